"""Persons: the list (search, filters, keyset pages), a person's page (fields as the user's
privacy rights allow, photo, badges, policies, the conflict banner), create and delete."""

from __future__ import annotations

from typing import Any

from flask import Response, request, url_for
from flask.typing import ResponseReturnValue

from hub import validation as check
from hub.errors import HubError, Invalid, NotFound
from hub.people import services as people
from hub.people.fields import list_classes, titles_of_class
from hub.people.models import Person
from hub.policies.models import PersonPolicy
from hub.policies.services import (
    add_person_policy,
    list_policies,
    person_policies,
    remove_person_policy,
)
from hub.rights.decide import PersonEdit, person_edit, visible_person_fields
from hub.rights.models import Module
from hub.rights.rules import full_person_data, logged_in, person_list, person_write
from hub.sites.models import Site
from hub.ui.blueprint import page
from hub.ui.helpers import (
    can,
    db,
    done,
    form_errors,
    grants,
    optional_int,
    render,
    site_of,
    text,
)
from hub.ui.i18n import _
from hub.ui.personlist import Filters, person_page
from hub.ui.views_people import group_options

FULL = person_write(PersonEdit.FULL)
POLICY_FIELDS = ("main_policy_id",)
FIELDS = ("surname", "name", "class_id", "group_id", "personal_number", "external_code",
          "free_field", "notes", "main_policy_id")


def _choices(site: Site) -> dict[str, Any]:
    return {
        "classes": [(c.id, c.name) for c in list_classes(db(), site.id)],
        "group_choices": group_options(site),
        "policies": [(p.id, p.name) for p in list_policies(db(), site.id)],
    }


@page("/sites/<site>/persons", needs=person_list)
def persons(site: str) -> ResponseReturnValue:
    """The persons the user may see, searched and filtered, one page at a time."""
    the_site = site_of(site)
    filters = Filters(q=request.args.get("q", "")[:100],
                      group_id=request.args.get("group_id", type=int),
                      class_id=request.args.get("class_id", type=int))
    found = person_page(db(), the_site.id, filters, after=request.args.get("after"),
                        before=request.args.get("before"))
    # the filters the pager links keep (only those set: an empty one is still a filter)
    keep = {name: value for name, value in (("q", filters.q), ("group_id", filters.group_id),
                                            ("class_id", filters.class_id)) if value}
    return render("persons.html", page=found, filters=filters, keep=keep, **_choices(the_site),
                  main_only=visible_person_fields(grants()) is not None,
                  may_create=person_edit(grants()) is PersonEdit.FULL)


def _values(level: PersonEdit) -> dict[str, object]:
    """The submitted person fields the user's level lets him change."""
    allowed = FIELDS if level is PersonEdit.FULL else POLICY_FIELDS
    values: dict[str, object] = {}
    for name in allowed:
        if name not in request.form:
            continue
        if name in {"class_id", "group_id", "main_policy_id"}:
            values[name] = optional_int(name)
        elif name in {"personal_number", "external_code"}:
            values[name] = text(name) or None
        else:
            values[name] = request.form.get(name, "")
    return values


@page("/sites/<site>/persons/new", needs=FULL, methods=("GET", "POST"))
def person_new(site: str) -> ResponseReturnValue:
    """Create a person."""
    the_site = site_of(site)
    if request.method == "GET":
        return render("person_new.html", errors={}, form={}, **_choices(the_site))
    try:
        values = _values(PersonEdit.FULL)
        person = people.create_person(db(), the_site.id, **values)  # type: ignore[arg-type]
    except (HubError, TypeError) as error:
        db().rollback()
        errors = form_errors(error) if isinstance(error, HubError) else {
            "_": _("Fill in every required field.")}
        return render("person_new.html", 422, errors=errors, form=request.form,
                      **_choices(the_site))
    return done(_("%(name)s created.", name=f"{person.surname} {person.name}"),
                url_for("ui.person", site=site, person_id=person.id))


def _person(site: Site, person_id: int) -> Person:
    return check.in_site(db(), Person, person_id, "person", site.id)


def _detail(site: Site, person: Person, status: int = 200,
            errors: dict[str, str] | None = None) -> ResponseReturnValue:
    level = person_edit(grants())
    shown = visible_person_fields(grants())
    conflicts = people.conflicts(db(), person.id) if (
        can(Module.PERSONS) or can(Module.POLICIES)) else []
    badges = people.issued_badges(db(), person.id) if (
        can(Module.BADGES) or can(Module.PERSONS)) else []
    titles = {} if shown is not None else people.title_values(db(), person.id)
    grants_held = person_policies(db(), person.id)
    return render(
        "person.html", status, person=person, level=level.value, main_only=shown is not None,
        conflicts=conflicts, badges=badges, titles=titles,
        class_titles=[(t, [(e.value, e.value) for e in t.elements])
                      for t in titles_of_class(db(), person.class_id)] if shown is None else [],
        additional=grants_held, errors=errors or {}, form=request.form if errors else {},
        **_choices(site),
    )


@page("/sites/<site>/persons/<int:person_id>", needs=logged_in, endpoint="person")
def person_page_view(site: str, person_id: int) -> ResponseReturnValue:
    """One person: what the user may see of him, and the forms he may use."""
    the_site = site_of(site)
    return _detail(the_site, _person(the_site, person_id))


@page("/sites/<site>/persons/<int:person_id>/save", methods=("POST",),
      needs=person_write(PersonEdit.FULL, policy_fields=POLICY_FIELDS))
def person_save(site: str, person_id: int) -> ResponseReturnValue:
    """Change a person's fields (only the main policy for 'only policies' users)."""
    the_site = site_of(site)
    person = _person(the_site, person_id)
    try:
        people.update_person(db(), person.id, _values(person_edit(grants())))
        if person_edit(grants()) is PersonEdit.FULL:
            for title in titles_of_class(db(), person.class_id):
                value = text(f"title_{title.id}")
                people.set_title_value(db(), person.id, title.id, value or None)
    except HubError as error:
        db().rollback()
        return _detail(the_site, _person(the_site, person_id), 422, form_errors(error))
    return done(_("Saved."), url_for("ui.person", site=site, person_id=person.id))


@page("/sites/<site>/persons/<int:person_id>/delete", needs=FULL, methods=("POST",))
def person_delete(site: str, person_id: int) -> ResponseReturnValue:
    """Delete a person who never held a badge."""
    the_site = site_of(site)
    person = _person(the_site, person_id)
    try:
        people.delete_person(db(), person.id)
    except HubError as error:
        db().rollback()
        return _detail(the_site, person, 409, {"_": error.message})
    return done(_("Person deleted."), url_for("ui.persons", site=site))


@page("/sites/<site>/persons/<int:person_id>/photo", needs=full_person_data,
      endpoint="person_photo")
def person_photo(site: str, person_id: int) -> ResponseReturnValue:
    """The person's stored photo."""
    person = _person(site_of(site), person_id)
    if person.photo is None or person.photo_media_type is None:
        raise NotFound("photo of person", person_id)
    return Response(person.photo, mimetype=person.photo_media_type,
                    headers={"Cache-Control": "private, no-store"})


@page("/sites/<site>/persons/<int:person_id>/photo", needs=FULL, methods=("POST",),
      endpoint="person_photo_save")
def person_photo_save(site: str, person_id: int) -> ResponseReturnValue:
    """Upload (or with 'remove', delete) the person's photo."""
    the_site = site_of(site)
    person = _person(the_site, person_id)
    try:
        if "remove" in request.form:
            people.set_photo(db(), person.id, None)
        else:
            upload = request.files.get("photo")
            if upload is None or not upload.filename:
                raise Invalid("photo", _("choose a picture file"))
            people.set_photo(db(), person.id, upload.read(), upload.mimetype)
    except HubError as error:
        db().rollback()
        return _detail(the_site, person, 422, form_errors(error))
    return done(_("Photo saved."), url_for("ui.person", site=site, person_id=person.id))


ADDITIONAL = person_write(PersonEdit.ADDITIONAL_POLICIES)


@page("/sites/<site>/persons/<int:person_id>/policies", needs=ADDITIONAL, methods=("POST",))
def person_policy_add(site: str, person_id: int) -> ResponseReturnValue:
    """Give the person an additional policy with an optional validity."""
    the_site = site_of(site)
    person = _person(the_site, person_id)
    try:
        add_person_policy(db(), person.id, optional_int("policy_id"),
                          valid_from=text("valid_from") or None,
                          valid_to=text("valid_to") or None)
    except HubError as error:
        db().rollback()
        return _detail(the_site, person, 422, form_errors(error))
    return done(_("Additional policy added."),
                url_for("ui.person", site=site, person_id=person.id))


@page("/sites/<site>/persons/<int:person_id>/policies/<int:grant_id>/delete", needs=ADDITIONAL,
      methods=("POST",))
def person_policy_remove(site: str, person_id: int, grant_id: int) -> ResponseReturnValue:
    """Take an additional policy away."""
    person = _person(site_of(site), person_id)
    grant = db().get(PersonPolicy, grant_id)
    if grant is None or grant.person_id != person.id:
        raise NotFound("additional policy", grant_id)
    remove_person_policy(db(), grant.id)
    return done(_("Additional policy removed."),
                url_for("ui.person", site=site, person_id=person.id))
