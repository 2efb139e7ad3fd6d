"""Rooms, doors and access points, nestable access point groups, controllers and readers."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from hub.access import controllers
from hub.access import services as access
from hub.access.models import ControllerKind, Direction
from hub.errors import Conflict, Invalid
from hub.sites.models import Site


def test_door_has_entry_and_exit_and_topology(session: Session, site: Site) -> None:
    hall = access.create_room(session, site.id, name="Hall")
    workshop = access.create_room(session, site.id, name="Workshop 1")
    gate = access.create_door(session, site.id, name="Main gate", to_room_id=hall.id)
    inner = access.create_door(session, site.id, name="W1 door", from_room_id=hall.id,
                               to_room_id=workshop.id)
    assert [p.direction for p in gate.access_points] == [Direction.ENTRY, Direction.EXIT]
    entry = access.access_point(session, inner.id, "entry")
    exit_ = access.access_point(session, inner.id, Direction.EXIT)
    assert entry.id != exit_.id
    topology = {p.id: (src, dst) for p, src, dst in access.door_topology(session, site.id)}
    assert topology[entry.id] == (hall.id, workshop.id)
    assert topology[exit_.id] == (workshop.id, hall.id)
    assert topology[access.access_point(session, gate.id, "entry").id] == (None, hall.id)
    with pytest.raises(Invalid):
        access.create_door(session, site.id, name="Loop", from_room_id=hall.id,
                           to_room_id=hall.id)
    with pytest.raises(Conflict):
        access.create_door(session, site.id, name="Main gate")
    access.set_door_rooms(session, gate.id, None, workshop.id)
    assert gate.to_room_id == workshop.id


def test_point_groups_nest_without_cycles(session: Session, site: Site) -> None:
    doors = [access.create_door(session, site.id, name=f"D{i}") for i in range(3)]
    points = [access.access_point(session, d.id, "entry").id for d in doors]
    production = access.create_point_group(session, site.id, name="Production")
    workshops = access.create_point_group(session, site.id, name="Workshops")
    w1 = access.create_point_group(session, site.id, name="W1")
    access.add_to_point_group(session, w1.id, point_id=points[0])
    access.add_to_point_group(session, workshops.id, child_group_id=w1.id)
    access.add_to_point_group(session, workshops.id, point_id=points[1])
    access.add_to_point_group(session, production.id, child_group_id=workshops.id)
    access.add_to_point_group(session, production.id, point_id=points[2])
    assert access.points_of_group(session, production.id) == set(points)
    assert access.nested_group_ids(session, production.id) == {workshops.id, w1.id}
    with pytest.raises(Invalid, match="cannot contain each other"):
        access.add_to_point_group(session, w1.id, child_group_id=production.id)
    with pytest.raises(Invalid):
        access.add_to_point_group(session, w1.id, child_group_id=w1.id)
    with pytest.raises(Conflict):
        access.add_to_point_group(session, w1.id, point_id=points[0])
    member = workshops.members[1]
    access.remove_from_point_group(session, member.id)
    assert access.points_of_group(session, production.id) == {points[0], points[2]}


def test_concentrator_reader_heads_each_serve_one_point(session: Session, site: Site) -> None:
    gate = access.create_door(session, site.id, name="Gate")
    office = access.create_door(session, site.id, name="Office")
    hub_ = controllers.create_controller(session, site.id, code="conc-1", name="Reception",
                                         kind="concentrator")
    assert hub_.kind is ControllerKind.CONCENTRATOR
    heads = [
        controllers.add_reader(session, hub_.id, reader_no=n, access_point_id=p.id,
                               requires_pin=(n == 2))
        for n, p in enumerate([*gate.access_points, *office.access_points][:3])
    ]
    assert [(r.reader_no, r.requires_pin) for r in hub_.readers] == [
        (0, False), (1, False), (2, True)]
    with pytest.raises(Conflict) as err:
        controllers.add_reader(session, hub_.id, reader_no=9,
                               access_point_id=heads[0].access_point_id)
    assert err.value.field == "access_point_id"
    with pytest.raises(Conflict):
        controllers.add_reader(session, hub_.id, reader_no=0,
                               access_point_id=office.access_points[1].id)
    with pytest.raises(Invalid):
        controllers.add_reader(session, hub_.id, reader_no=70000,
                               access_point_id=office.access_points[1].id)
    controllers.remove_reader(session, heads[2].id)
    assert [r.reader_no for r in controllers.get_controller(session, hub_.id).readers] == [0, 1]
    with pytest.raises(Invalid, match="MQTT"):
        controllers.update_controller(session, hub_.id, {"code": "new"})
    controllers.update_controller(session, hub_.id, {"enabled": False})
    assert hub_.enabled is False
    with pytest.raises(Invalid):
        controllers.create_controller(session, site.id, code="Bad Code", name="x")
    with pytest.raises(Conflict):
        controllers.create_controller(session, site.id, code="conc-1", name="again")


def test_door_in_use_cannot_be_deleted(session: Session, site: Site) -> None:
    door = access.create_door(session, site.id, name="Side")
    controller = controllers.create_controller(session, site.id, code="c", name="C")
    controllers.add_reader(session, controller.id, reader_no=1,
                           access_point_id=door.access_points[0].id)
    with pytest.raises(Conflict, match="readers"):
        access.delete_door(session, door.id)
    controllers.remove_reader(session, controller.readers[0].id)
    access.delete_door(session, door.id)
    assert access.list_rooms(session, site.id) == []
