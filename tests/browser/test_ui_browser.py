"""The web UI in a real browser (headless Chromium) against a real hub with its sync service:
log in with the keyboard only, create a group, a person and a card, activate the card on a
controller (a real MQTT peer speaking the edge protocol answers), and see the edge's swipe
appear live on the events page. Screenshots of the main pages go to
test-artifacts/screenshots/."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect
from sqlalchemy import select

from hub.events.models import Event
from hub.sync.keys import current_key
from hub.sync.runtime import service_of
from protocols import cardtext
from tests.browser.conftest import ADMIN_PASSWORD, LiveHub, screenshot
from tests.hub.sync.edge_peer import EdgePeer

CARD = "H10301:12:3456"


def login_with_the_keyboard(page: Page, hub: LiveHub) -> None:
    page.goto(f"{hub.url}/login")
    expect(page.locator("#f-username")).to_be_focused()  # autofocus: type at once
    page.keyboard.type("admin")
    page.keyboard.press("Tab")
    expect(page.locator("#f-password")).to_be_focused()
    page.keyboard.type(ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Dashboard")


def unlabelled_controls(page: Page) -> list[str]:
    """Visible form controls without a label (by <label for>, wrapping, or aria-label)."""
    result: list[str] = page.evaluate("""() => Array.from(
        document.querySelectorAll('input:not([type=hidden]):not([type=submit]), select, textarea'))
        .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
        .map(el => el.outerHTML)""")
    return result


def test_keyboard_login_and_labels_everywhere(page: Page, live_hub: LiveHub) -> None:
    page.goto(f"{live_hub.url}/login")
    assert unlabelled_controls(page) == []
    screenshot(page, "01-login")
    login_with_the_keyboard(page, live_hub)
    # the skip link is the first thing the Tab key reaches; it jumps over the menus
    page.keyboard.press("Tab")
    expect(page.locator("a.skip")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    for path in ("/sites/plant/", "/sites/plant/persons", "/sites/plant/groups",
                 "/sites/plant/badges", "/sites/plant/places", "/sites/plant/controllers",
                 "/sites/plant/schedules", "/sites/plant/policies", "/users",
                 "/users/passwords", "/settings"):
        page.goto(live_hub.url + path)
        assert unlabelled_controls(page) == [], path


def test_create_group_person_card_activate_and_see_the_swipe_live(
        page: Page, live_hub: LiveHub) -> None:
    login_with_the_keyboard(page, live_hub)
    # the controller's edge comes online and follows its lists like a real edge
    service = service_of(live_hub.app)
    assert service is not None and service.broker is not None
    with live_hub.sessions() as session:
        key = current_key(session, live_hub.ids["controller"])
        session.commit()
    edge = EdgePeer("127.0.0.1", service.broker.port, "plant", "gate-1", key.kid, key.key)
    edge.connect(1)
    try:
        edge.follow_lists()
        edge.birth(1)
        deadline = time.monotonic() + 10
        while edge.list is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert edge.list is not None, "the edge got no list"
        # a group with its own access policy
        page.goto(f"{live_hub.url}/sites/plant/groups")
        page.locator("#f-name").fill("Assembly")
        page.locator("#f-policy_id").select_option(label="All doors")
        page.get_by_role("button", name="Add group").click()
        expect(page.locator(".flash")).to_contain_text("Group Assembly created.")
        screenshot(page, "02-hierarchy")
        # a person in it
        page.goto(f"{live_hub.url}/sites/plant/persons/new")
        page.get_by_label("Surname").fill("Horváthová")
        page.locator("#f-name").fill("Zuzana")
        page.get_by_label("Department").select_option(label="Assembly")
        page.get_by_label("Personal number").fill("4711")
        page.get_by_role("button", name="Create person").click()
        expect(page.locator("h1")).to_have_text("Horváthová Zuzana")
        # a card, issued from the person's page
        page.get_by_label("Issue a card").fill(CARD)
        page.get_by_role("button", name="Issue card", exact=True).click()
        expect(page.locator("#badge-state")).to_have_text("issued")
        # activated: pushed to the controller now, its answer shown per controller
        page.get_by_role("button", name="Activate now", exact=True).click()
        expect(page.locator("#activation")).to_be_visible()
        expect(page.locator('tr[data-controller="gate-1"] td').nth(1)).to_have_text("applied")
        screenshot(page, "03-badge-activated")
        assert edge.list is not None and edge.list.lookup(cardtext.parse(CARD)) is not None
        # the events page listens; the edge reports a swipe of the new card
        page.goto(f"{live_hub.url}/sites/plant/events")
        page.wait_for_function("document.getElementById('live-state').dataset.live === '1'")
        rows_before = page.locator("#events tbody tr").count()
        edge.send("events", "event", {
            "seq": 1, "ts": int(time.time()), "reader": 1, "door": 1,
            "card": cardtext.parse(CARD), "kind": "access", "reason": 0, "granted": True,
            "faces": 1, "photo": None, "historical": False})
        edge.wait_for("event_ack", lambda fields: fields["upto"] == 1)
        newest = page.locator("#events tbody tr").first
        expect(newest).to_contain_text("Horváthová Zuzana", timeout=10_000)
        expect(newest).to_contain_text("granted")
        expect(newest).to_contain_text("Gate (entry)")
        assert page.locator("#events tbody tr").count() == rows_before + 1
        screenshot(page, "04-events-live")
        with live_hub.sessions() as session:
            assert session.scalar(select(Event.kind).where(Event.seq == 1)) == "access"
    finally:
        edge.close()
    for path, name in (("/sites/plant/", "05-dashboard"), ("/sites/plant/persons", "06-persons"),
                       ("/sites/plant/presence", "07-presence"),
                       ("/sites/plant/schedules", "08-schedules"), ("/users", "09-users"),
                       ("/users/passwords", "10-password-check")):
        page.goto(live_hub.url + path)
        screenshot(page, name)
    page.goto(f"{live_hub.url}/sites/plant/presence")
    expect(page.locator("main")).to_contain_text("Horváthová Zuzana")
    expect(page.locator("main")).to_contain_text("Hall")
    schedule = page.locator("a", has_text=re.compile("^Always$"))
    page.goto(f"{live_hub.url}/sites/plant/schedules")
    schedule.click()
    expect(page.locator("#calendar")).to_contain_text("00:00–24:00")
    screenshot(page, "11-schedule-calendar")
