"""The right every endpoint needs: one table for the REST API and the web UI.

The guard (hub.auth.web) looks up ``request.endpoint`` here before any view runs. An
endpoint missing from the table is refused to everybody but the administrator (and a
test lists every route of the app against this table), so a new endpoint is closed
until someone decides who may use it.
"""

from __future__ import annotations

from hub.rights.decide import PersonEdit
from hub.rights.models import Module
from hub.rights.rules import (
    Rule,
    admin,
    full_person_data,
    logged_in,
    module,
    person_list,
    person_write,
    public,
)

M = Module
PERSON_POLICY_FIELDS = ("main_policy_id",)

READ_PLACES = module(M.ACCESS, M.CONTROLLERS, M.POLICIES)
READ_SCHEDULES = module(M.SCHEDULES, M.POLICIES, M.HOLIDAYS)
READ_POLICIES = module(M.POLICIES, M.PERSONS, M.HIERARCHY)
READ_BADGES = module(M.BADGES, M.PERSONS)

API_RULES: dict[str, Rule] = {
    "api-docs.openapi_json": public,
    # sites
    "sites.list_all_sites": logged_in,
    "sites.get": logged_in,
    "sites.create": module(M.SITES),
    "sites.patch": module(M.SITES),
    # classes and custom fields: read by everyone who reads persons
    "classes.list_classes": logged_in,
    "classes.get": logged_in,
    "classes.create": module(M.PERSONS),
    "classes.patch": module(M.PERSONS),
    "classes.delete": module(M.PERSONS),
    "titles.list_titles": logged_in,
    "titles.get": logged_in,
    "titles.create": module(M.PERSONS),
    "titles.patch": module(M.PERSONS),
    "titles.create_element": module(M.PERSONS),
    "titles.delete_element": module(M.PERSONS),
    # the hierarchy
    "groups.list_groups": logged_in,
    "groups.get": logged_in,
    "groups.create": module(M.HIERARCHY),
    "groups.patch": module(M.HIERARCHY),
    "groups.delete": module(M.HIERARCHY),
    # persons (rows outside the user's view are invisible)
    "persons.list_persons": person_list,
    "persons.get": logged_in,
    "persons.create": person_write(PersonEdit.FULL),
    "persons.patch": person_write(PersonEdit.FULL, policy_fields=PERSON_POLICY_FIELDS),
    "persons.delete": person_write(PersonEdit.FULL),
    "person_parts.get_photo": full_person_data,
    "person_parts.put_photo": person_write(PersonEdit.FULL),
    "person_parts.delete_photo": person_write(PersonEdit.FULL),
    "person_parts.create_location": person_write(PersonEdit.FULL),
    "person_parts.delete_location": person_write(PersonEdit.FULL),
    "person_policies.get_policies": logged_in,
    "person_policies.add": person_write(PersonEdit.ADDITIONAL_POLICIES),
    "person_policies.put_validity": person_write(PersonEdit.ADDITIONAL_POLICIES),
    "person_policies.delete": person_write(PersonEdit.ADDITIONAL_POLICIES),
    "conflicts.person_conflicts": module(M.PERSONS, M.POLICIES),
    "conflicts.site_conflicts": module(M.POLICIES),
    # badges
    "badges.list_badges": READ_BADGES,
    "badges.pool": READ_BADGES,
    "badges.get": READ_BADGES,
    "badges.get_history": READ_BADGES,
    "badges.register": module(M.BADGES),
    "badges.issue": module(M.BADGES),
    "badges.withdraw": module(M.BADGES),
    "badges.put_validity": module(M.BADGES),
    "badges.put_pin": module(M.BADGES),
    "badges.delete": module(M.BADGES),
    "sync.activate_badge": module(M.BADGES),
    "sync.deactivate_badge": module(M.BADGES),
    # rooms, doors, access points
    "rooms.list_rooms": READ_PLACES,
    "rooms.get_room": READ_PLACES,
    "rooms.list_doors": READ_PLACES,
    "rooms.get_door": READ_PLACES,
    "rooms.topology": READ_PLACES,
    "rooms.create_room_view": module(M.ACCESS),
    "rooms.patch_room": module(M.ACCESS),
    "rooms.create_door_view": module(M.ACCESS),
    "rooms.put_door_rooms": module(M.ACCESS),
    "rooms.delete_door_view": module(M.ACCESS),
    "access_points.list_points": READ_PLACES,
    "access_points.get_point": READ_PLACES,
    "access_points.list_groups": READ_PLACES,
    "access_points.get_group": READ_PLACES,
    "access_points.patch_point": module(M.ACCESS),
    "access_points.create_group": module(M.ACCESS),
    "access_points.delete_group": module(M.ACCESS),
    "access_points.add_member": module(M.ACCESS),
    "access_points.remove_member": module(M.ACCESS),
    # controllers, their sync and door commands
    "controllers.list_controllers": module(M.CONTROLLERS, M.ACCESS),
    "controllers.get": module(M.CONTROLLERS, M.ACCESS),
    "controllers.create": module(M.CONTROLLERS),
    "controllers.patch": module(M.CONTROLLERS),
    "controllers.create_reader": module(M.CONTROLLERS),
    "controllers.patch_reader": module(M.CONTROLLERS),
    "controllers.delete_reader": module(M.CONTROLLERS),
    "sync.get_sync": module(M.CONTROLLERS),
    "sync.new_key": module(M.CONTROLLERS),
    "commands.get_command": module(M.CONTROLLERS),
    "commands.unlock": module(M.CONTROLLERS),
    "commands.lock": module(M.CONTROLLERS),
    "commands.pulse": module(M.CONTROLLERS),
    # an event's access photo: events are not tied to persons here, so only controller
    # keepers (the web UI shows users the photos of the persons they may see)
    "access_photos.get_event_photo": module(M.CONTROLLERS),
    # schedules and holidays
    "schedules.list_schedules": READ_SCHEDULES,
    "schedules.get": READ_SCHEDULES,
    "schedules.create": module(M.SCHEDULES),
    "schedules.patch": module(M.SCHEDULES),
    "schedules.delete": module(M.SCHEDULES),
    "schedules.list_holiday_lists": READ_SCHEDULES,
    "schedules.get_list": READ_SCHEDULES,
    "schedules.create_list": module(M.HOLIDAYS),
    "schedules.create_holiday": module(M.HOLIDAYS),
    "schedules.delete_holiday": module(M.HOLIDAYS),
    # access policies
    "policies.list_policies": READ_POLICIES,
    "policies.get": READ_POLICIES,
    "policies.holders": module(M.POLICIES),
    "policies.create": module(M.POLICIES),
    "policies.patch": module(M.POLICIES),
    "policies.delete": module(M.POLICIES),
    "policies.create_rule": module(M.POLICIES),
    "policies.patch_rule": module(M.POLICIES),
    "policies.delete_rule": module(M.POLICIES),
}

# Filled by the web UI's blueprint (hub.ui) with its own pages and actions.
UI_RULES: dict[str, Rule] = {
    "static": public,
}


def rule_for(endpoint: str | None) -> Rule:
    """The rule of ``endpoint``; the administrator-only rule for anything unlisted."""
    if endpoint is None:
        return admin
    return API_RULES.get(endpoint) or UI_RULES.get(endpoint) or admin
