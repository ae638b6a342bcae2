import pytest

from tests.cases.factories import make_case

from .platform import TestPlatform


@pytest.fixture
def platform(db):
    platform = TestPlatform()
    platform.register()
    with platform.serving():
        yield platform


@pytest.fixture
def case(db):
    return make_case().case
