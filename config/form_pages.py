"""A portal page showing one object with a form: the page `config.form_views.UseCaseFormMixin` posts from."""

from django import forms
from django.shortcuts import render


class ObjectFormPage:
    """GET shows `template_name` with the object (as `object_name`) and a blank form; `render_page` is the
    same page with the posted form, as the use case's refusal shows it.

    The view provides `get_object(pk)`; `blank_form` gives a form its initial values.
    """

    template_name: str
    form_class: type[forms.Form]
    object_name: str

    def blank_form(self, obj) -> forms.Form:
        return self.form_class()

    def render_page(self, obj, *, form=None, status=200):
        context = {self.object_name: obj, "form": form if form is not None else self.blank_form(obj)}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, pk):
        return self.render_page(self.get_object(pk))
