"""A portal page's form posted to one use case, written once for every portal.

The view finds the page's object, the form bounds the input, the service decides: on success the person
is told and sent on; on a refusal the page comes back with the form and the reason on it (400).
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect

from config.portals import call_service

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class UseCaseFormMixin:
    """POST `form_class` to `use_case(<object_name>=the page's object, by=the user, **the form's data)`.

    The view provides `get_object(pk)` and `render_page(obj, *, status, <form_name>=form)`; it says `done` on
    success, or overrides `tell(result)` to word it from what the use case returned.
    """

    request: HttpRequest
    # No defaults for what the page may declare itself: a mixin's attribute would hide the page's.
    form_class: type[forms.Form]
    use_case: Callable
    done: "StrOrPromise"
    success_url: str  # a URL name taking the object's pk
    object_name = "ticket"
    form_name = "form"

    def post(self, request, pk):
        obj = self.get_object(pk)
        form = self.form_class(request.POST)
        if form.is_valid():
            ok, result = call_service(
                request,
                lambda: self.use_case(**{self.object_name: obj}, by=request.user, **form.cleaned_data),
                form=form,
            )
            if ok:
                self.tell(result)
                return redirect(self.success_url, pk=obj.pk)
            # Read again: the refusal may come from a change made meanwhile, and the page shows what is now.
            obj = self.get_object(pk)
        return self.render_page(obj, status=400, **{self.form_name: form})

    def tell(self, result) -> None:
        messages.success(self.request, self.done)


class UseCaseButtonMixin:
    """POST a button (or a list row's one-field form) to `use_case(<object_name>=the object, by=the user,
    **the form's data)` and say how it went.

    The object is the one of `visible_to(user=...)` (a scoped selector: another account's is a 404), and
    either way the person goes back to `back_to_url` for the object's `back_to_pk` (its ticket's pk; None:
    a URL that takes none); a view may instead provide `get_object(pk)` and `back_to(obj)`. It says `done`
    on success, or overrides `success_message(obj)` to word it from the object. A `form_class` has a single
    field, so an invalid form is an empty one: `missing` asks for it, and the use case is not called.
    """

    request: HttpRequest
    use_case: Callable
    done: "StrOrPromise"
    object_name: str
    visible_to: Callable
    back_to_url: str  # a URL name taking the pk named by `back_to_pk`
    back_to_pk: str | None = "ticket_id"
    form_class: type[forms.Form] | None = None
    missing: "StrOrPromise"

    def get_object(self, pk):
        return get_object_or_404(self.visible_to(user=self.request.user), pk=pk)

    def back_to(self, obj):
        if self.back_to_pk is None:
            return redirect(self.back_to_url)
        return redirect(self.back_to_url, pk=getattr(obj, self.back_to_pk))

    def success_message(self, obj) -> "StrOrPromise":
        return self.done

    def post(self, request, pk):
        obj = self.get_object(pk)
        data = {}
        if self.form_class is not None:
            form = self.form_class(request.POST)
            if not form.is_valid():
                messages.error(request, self.missing)
                return self.back_to(obj)
            data = form.cleaned_data
        ok, _result = call_service(
            request, lambda: self.use_case(**{self.object_name: obj}, by=request.user, **data)
        )
        if ok:
            messages.success(request, self.success_message(obj))
        return self.back_to(obj)
