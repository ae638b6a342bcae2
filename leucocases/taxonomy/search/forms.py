from django import forms

MAX_QUERY_LENGTH = 200


class QuestionForm(forms.Form):
    q = forms.CharField(
        label="Ask a question about leucopenia",
        required=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages={
            "max_length": f"That search is too long: keep it under {MAX_QUERY_LENGTH} characters "
            "(a short question works best)."
        },
    )
