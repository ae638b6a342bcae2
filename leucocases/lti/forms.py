"""Forms of the LTI pages: the deep-linking picker, the score policy."""

from __future__ import annotations

from django import forms
from django.db.models import Q

from leucocases.cases.forms import CaseFilterForm
from leucocases.cases.models import Case
from leucocases.quizzes.models import Quiz

from .models import ScorePolicy


class PickerFilterForm(CaseFilterForm):
    """The picker's GET filter: words of the title, cause group, difficulty."""

    q = forms.CharField(
        max_length=100, required=False, label="Title", widget=forms.TextInput(attrs={"class": "form-control"})
    )

    field_order = ["q", "group", "difficulty"]

    def filter_quizzes(self, quizzes):
        """Quizzes by title, and by the group or difficulty of their cases."""
        if not self.is_valid():
            return quizzes
        if words := self.cleaned_data.get("q"):
            quizzes = quizzes.filter(title__icontains=words)
        if group := self.cleaned_data.get("group"):
            quizzes = quizzes.filter(cases__groups=group)
        if difficulty := self.cleaned_data.get("difficulty"):
            quizzes = quizzes.filter(cases__difficulty=difficulty)
        return quizzes.distinct()

    def filter(self, cases):
        cases = super().filter(cases)
        if self.is_valid() and (words := self.cleaned_data.get("q")):
            cases = cases.filter(Q(title__icontains=words) | Q(slug__icontains=words))
        return cases


class PolicyField(forms.ChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("choices", ScorePolicy.choices)
        kwargs.setdefault("initial", ScorePolicy.BEST)
        kwargs.setdefault("label", "Score sent to the gradebook")
        kwargs.setdefault("widget", forms.RadioSelect)
        super().__init__(**kwargs)


class PickForm(forms.Form):
    """What the instructor picked: cases and quizzes (``case:<slug>``, ``quiz:<slug>``) and a policy."""

    items = forms.MultipleChoiceField(choices=(), label="Activities to add")
    policy = PolicyField()

    def __init__(self, *args, multiple: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.multiple = multiple
        choices = [(f"case:{slug}", title) for slug, title in Case.objects.playable().values_list("slug", "title")]
        choices += [(f"quiz:{slug}", title) for slug, title in Quiz.objects.published().values_list("slug", "title")]
        self.fields["items"].choices = choices

    def clean_items(self):
        items = self.cleaned_data["items"]
        if not self.multiple and len(items) > 1:
            raise forms.ValidationError("Your LMS accepts one activity at a time: pick one.", code="one_only")
        return items

    def targets(self) -> list[Case | Quiz]:
        """The picked cases and quizzes, in the order given."""
        found = []
        for item in self.cleaned_data["items"]:
            kind, slug = item.split(":", 1)
            model = Case.objects.playable() if kind == "case" else Quiz.objects.published()
            if (target := model.filter(slug=slug).first()) is not None:
                found.append(target)
        return found


class PolicyForm(forms.Form):
    policy = PolicyField()
