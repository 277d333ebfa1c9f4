"""The feed on real FIT files (../shared/data/fit) for two athletes and a coach: order and pages, the coach's
comment derived from each activity's own data (checked against the device's own laps), the after-run
message when one was sent, coaching links granting exactly what they say, and revocation at once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Forbidden, InvalidInput, NotFound
from core.models import Activity, ActivityComment, Lap, User
from tests.factories import create_activity, create_user
from tests.support.shared_data import require
from tools.account import coaching
from tools.account.coaching import GrantsPatch, InviteCoach
from tools.activities.importer import import_fit
from tools.deps import ToolDeps
from tools.feed.comment import compose
from tools.feed.comments import delete_comment
from tools.feed.facts import activity_facts, history_before, keep_activity_facts
from tools.feed.feed import FeedQuery, comment_on, feed_activity, feed_page
from tools.notifications.preferences import Channel, Trigger
from tools.notifications.store import create_notification
from tools.registry import call_tool
from tools.units import clock

FIT = "fit/fitdecode/tests/files"
A_FILES = ("2013-02-06-12-11-14.fit", "activity-small-fenix2-run.fit", "compressed-speed-distance.fit")
B_FILES = ("developer-types-sample.fit",)
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@dataclass
class People:
    athlete: User
    other_athlete: User
    coach: User
    stranger: User
    a_ids: list[int]
    b_ids: list[int]


async def _import(db: AsyncSession, user: User, names: tuple[str, ...]) -> list[int]:
    ids = []
    for name in names:
        result = await import_fit(db, user.id, require(f"{FIT}/{name}").read_bytes(), filename=name)
        assert result.status == "imported" and result.activity_id is not None
        ids.append(result.activity_id)
    return ids


@pytest.fixture
async def people(db: AsyncSession) -> People:
    athlete = await create_user(db, max_hr=190, display_name="Ana")
    other = await create_user(db, display_name="Ben")
    coach = await create_user(db, display_name="Coach Carla", email_verified_at=NOW)
    stranger = await create_user(db, email_verified_at=NOW)
    return People(
        athlete,
        other,
        coach,
        stranger,
        await _import(db, athlete, A_FILES),
        await _import(db, other, B_FILES),
    )


async def _link(db: AsyncSession, people: People, **grants: bool) -> int:
    link = await coaching.invite_coach(
        db, people.athlete, InviteCoach(email=people.coach.email.upper(), **grants)
    )
    await coaching.accept_invitation(db, people.coach, link.id, NOW)
    return link.id


async def test_the_feed_is_newest_first_and_pages_by_cursor(db: AsyncSession, people: People) -> None:
    starts = dict(
        (
            await db.execute(
                select(Activity.id, Activity.start_time).where(Activity.user_id == people.athlete.id)
            )
        ).all()
    )
    expected = sorted(people.a_ids, key=lambda i: starts[i], reverse=True)
    whole = await feed_page(db, people.athlete, FeedQuery())
    assert [i.activity.id for i in whole.items] == expected
    assert whole.next_cursor is None
    seen: list[int] = []
    cursor = None
    while True:
        page = await feed_page(db, people.athlete, FeedQuery(limit=1, cursor=cursor))
        seen += [i.activity.id for i in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == expected
    assert all(item.mine and item.athlete.name == "Ana" for item in whole.items)
    with pytest.raises(InvalidInput, match="cursor"):
        await feed_page(db, people.athlete, FeedQuery(cursor="not-a-cursor"))


def _lap_halves(laps: list[Lap]) -> tuple[float, float]:
    """First and second half of the distance by the device's own laps (time interpolated in a lap)."""
    total_m = sum(lap.distance_m or 0 for lap in laps)
    total_s = sum(lap.timer_s or 0 for lap in laps)
    half, covered, spent = total_m / 2, 0.0, 0.0
    for lap in laps:
        metres, seconds = lap.distance_m or 0, lap.timer_s or 0
        if covered + metres >= half:
            first = spent + seconds * (half - covered) / metres
            return first, total_s - first
        covered, spent = covered + metres, spent + seconds
    raise AssertionError("laps never reach half the distance")


async def test_the_coach_comment_comes_from_the_activity_data(db: AsyncSession, people: People) -> None:
    page = await feed_page(db, people.athlete, FeedQuery())
    for item in page.items:
        activity = await db.get_one(Activity, item.activity.id)
        comment = item.coach_comment
        assert comment.source == "computed"
        duration = activity.moving_s or activity.elapsed_s
        assert duration is not None and activity.distance_m is not None and activity.avg_hr is not None
        assert comment.text.startswith(f"{activity.distance_m / 1000:.2f} km in {clock(duration)} (")
        assert f"average heart rate {round(activity.avg_hr)} bpm" in comment.text
        assert activity.training_load is not None
        assert f"Training load {round(activity.training_load)} ({activity.load_method})" in comment.text
        # the half splits agree with the laps the watch recorded (a different record of the same run)
        laps = list(
            (
                await db.execute(select(Lap).where(Lap.activity_id == activity.id).order_by(Lap.lap_index))
            ).scalars()
        )
        lap_first, lap_second = _lap_halves(laps)
        halves = next(f for f in comment.facts if f.key == "halves")
        first_text = re.search(r"\((\d+:\d\d(?::\d\d)?), then", halves.text)
        assert first_text is not None
        parts = [int(p) for p in first_text.group(1).split(":")]
        first = parts[-1] + 60 * parts[-2] + (3600 * parts[0] if len(parts) == 3 else 0)
        assert abs(first - lap_first) / lap_first < 0.05, (halves.text, lap_first)
        assert (halves.value is not None and halves.value < 0) == (lap_second < lap_first), halves.text
        # heart-rate zones from the athlete's profile max HR (190)
        zones = next(f for f in comment.facts if f.key == "zones")
        assert "max heart rate of 190 bpm, profile" in zones.text
        assert item.comments == [] and item.can_comment and item.can_view_details


async def _computed_count(db: AsyncSession, user: User) -> int | None:
    return await db.scalar(
        select(func.count())
        .select_from(ActivityComment)
        .where(ActivityComment.user_id == user.id, ActivityComment.kind == "computed")
    )


async def test_the_comment_is_stored_at_import_and_stays_the_same(db: AsyncSession, people: People) -> None:
    assert await _computed_count(db, people.athlete) == len(people.a_ids)  # before any view
    first = (await feed_page(db, people.athlete, FeedQuery())).items[0]
    # a shorter run a day earlier arrives later: a fresh comment would now differ, the stored one does not
    activity = await db.get_one(Activity, first.activity.id)
    await create_activity(
        db, people.athlete, start=activity.start_time - timedelta(days=1), seconds=1800, speed=3.0
    )
    fresh = compose(await activity_facts(db, people.athlete, activity), await history_before(db, activity))
    assert fresh.text != first.coach_comment.text
    again = next(
        i for i in (await feed_page(db, people.athlete, FeedQuery())).items if i.activity.id == activity.id
    )
    assert again.coach_comment == first.coach_comment


async def test_reading_the_feed_writes_no_comment(db: AsyncSession, people: People) -> None:
    """An activity stored without being processed (as before comments were stored at processing) gets a
    comment composed for the view: the same on every view, and nothing is written."""
    runner = await create_user(db, max_hr=185)
    await create_activity(db, runner, start=NOW - timedelta(days=3), seconds=2400, speed=3.1)
    await create_activity(db, runner, start=NOW - timedelta(days=1), seconds=1800, speed=3.3)
    first = await feed_page(db, runner, FeedQuery())
    again = await feed_page(db, runner, FeedQuery())
    assert [i.coach_comment for i in first.items] == [i.coach_comment for i in again.items]
    assert all(i.coach_comment.source == "computed" and i.coach_comment.text for i in first.items)
    assert await _computed_count(db, runner) == 0


async def test_recent_runs_are_compared_with_the_athletes_own(db: AsyncSession, people: People) -> None:
    fenix = people.a_ids[1]
    activity = await db.get_one(Activity, fenix)
    earlier = [
        await create_activity(
            db, people.athlete, start=activity.start_time - timedelta(days=d), seconds=s, speed=v
        )
        for d, s, v in ((3, 1800, 2.8), (10, 2400, 3.0))
    ]
    # the comment is composed when the activity is processed: the earlier runs arrived after its import,
    # so process it again (as `runcoach reprocess` does)
    await keep_activity_facts(db, activity)
    item = await feed_activity(db, people.athlete, fenix)
    facts = {f.key: f for f in item.coach_comment.facts}
    metres = sum(a.distance_m or 0 for a in earlier)
    seconds = sum(a.elapsed_s or 0 for a in earlier)
    duration = activity.moving_s or activity.elapsed_s
    assert duration is not None and activity.distance_m is not None
    expected = duration / (activity.distance_m / 1000) - seconds / (metres / 1000)
    assert facts["pace_vs_recent"].value == pytest.approx(expected, abs=0.05)
    assert "(2 runs)" in facts["pace_vs_recent"].text
    assert "Your longest run in 4 weeks" in facts["longest"].text
    assert item.detail.id == fenix and len(item.detail.laps) == 4


async def test_the_sent_after_run_message_is_the_comment_for_the_athlete_only(
    db: AsyncSession, people: People
) -> None:
    activity_id = people.a_ids[0]
    message, _ = await create_notification(
        db,
        people.athlete.id,
        trigger=Trigger.AFTER_RUN,
        period_key=f"activity:{activity_id}",
        title="Your 4.8 km run",
        body="Nice negative split on that run.",
        channels=[Channel.WEB],
        now=NOW,
    )
    mine = (await feed_activity(db, people.athlete, activity_id)).coach_comment
    assert (mine.source, mine.text, mine.title) == ("after_run_message", message.body, message.title)
    await _link(db, people)
    theirs = (await feed_activity(db, people.coach, activity_id)).coach_comment
    assert theirs.source == "computed" and message.body not in theirs.text


async def test_a_coach_sees_only_the_athletes_who_linked_and_loses_them_on_revoke(
    db: AsyncSession, people: People
) -> None:
    coach, athlete = people.coach, people.athlete
    with pytest.raises(NotFound):
        await feed_page(db, coach, FeedQuery(athlete_id=athlete.id))
    invite = await coaching.invite_coach(db, athlete, InviteCoach(email=coach.email))
    with pytest.raises(NotFound):  # invited is not accepted
        await feed_page(db, coach, FeedQuery(athlete_id=athlete.id))
    overview = await coaching.overview(db, coach)
    assert [i.athlete.name for i in overview.invitations] == ["Ana"] and overview.athletes == []
    await coaching.accept_invitation(db, coach, invite.id, NOW)

    page = await feed_page(db, coach, FeedQuery(athlete_id=athlete.id))
    assert sorted(i.activity.id for i in page.items) == sorted(people.a_ids)
    assert all(not i.mine and i.athlete.id == athlete.id for i in page.items)
    merged = await feed_page(db, coach, FeedQuery(athletes=True))
    assert sorted(i.activity.id for i in merged.items) == sorted(people.a_ids)  # not the other athlete's
    assert (await feed_page(db, coach, FeedQuery())).items == []  # the coach's own feed is their own
    with pytest.raises(NotFound):
        await feed_page(db, coach, FeedQuery(athlete_id=people.other_athlete.id))
    with pytest.raises(NotFound):
        await feed_activity(db, coach, people.b_ids[0])

    await coaching.revoke_coach(db, athlete, invite.id, NOW)
    with pytest.raises(NotFound):
        await feed_page(db, coach, FeedQuery(athlete_id=athlete.id))
    with pytest.raises(NotFound):
        await feed_activity(db, coach, people.a_ids[0])
    assert (await feed_page(db, coach, FeedQuery(athletes=True))).items == []
    assert (await coaching.overview(db, coach)).athletes == []


async def test_a_coach_comment_is_visible_to_the_athlete(db: AsyncSession, people: People) -> None:
    await _link(db, people)
    activity_id = people.a_ids[0]
    written = await comment_on(db, people.coach, activity_id, "  Great pacing in the last two laps.  ", NOW)
    assert written.body == "Great pacing in the last two laps." and written.by_me
    item = await feed_activity(db, people.athlete, activity_id)
    assert [(c.author.name, c.body, c.by_me, c.can_delete) for c in item.comments] == [
        ("Coach Carla", "Great pacing in the last two laps.", False, True)
    ]
    reply = await comment_on(db, people.athlete, activity_id, "Thanks!", NOW + timedelta(minutes=5))
    coach_view = await feed_activity(db, people.coach, activity_id)
    assert [c.body for c in coach_view.comments] == [written.body, reply.body]
    assert [c.can_delete for c in coach_view.comments] == [True, False]
    with pytest.raises(NotFound):  # the coach cannot delete the athlete's words
        await delete_comment(db, people.coach, reply.id)
    with pytest.raises(InvalidInput):
        await comment_on(db, people.coach, activity_id, "   ", NOW)
    with pytest.raises(NotFound):  # a stranger cannot comment or delete
        await comment_on(db, people.stranger, activity_id, "hi", NOW)
    with pytest.raises(NotFound):
        await delete_comment(db, people.stranger, written.id)
    await delete_comment(db, people.athlete, written.id)  # the athlete can remove anything on their activity
    assert [c.body for c in (await feed_activity(db, people.athlete, activity_id)).comments] == ["Thanks!"]


async def test_grants_limit_details_and_comments(db: AsyncSession, people: People) -> None:
    link_id = await _link(db, people, can_view_details=False, can_comment=False)
    activity_id = people.a_ids[0]
    page = await feed_page(db, people.coach, FeedQuery(athlete_id=people.athlete.id))
    assert {(i.can_view_details, i.can_comment) for i in page.items} == {(False, False)}
    with pytest.raises(Forbidden, match="details"):
        await feed_activity(db, people.coach, activity_id)
    with pytest.raises(Forbidden, match="comment"):
        await comment_on(db, people.coach, activity_id, "Looks good", NOW)
    await coaching.change_grants(
        db, people.athlete, link_id, GrantsPatch(can_view_details=True, can_comment=True)
    )
    assert (await feed_activity(db, people.coach, activity_id)).detail.id == activity_id
    assert (await comment_on(db, people.coach, activity_id, "Looks good", NOW)).body == "Looks good"


async def test_a_stranger_gets_the_same_404_as_for_a_missing_id(db: AsyncSession, people: People) -> None:
    with pytest.raises(NotFound) as theirs:
        await feed_activity(db, people.stranger, people.a_ids[0])
    with pytest.raises(NotFound) as nobody:
        await feed_activity(db, people.stranger, 2**62)
    assert theirs.value.message.replace(str(people.a_ids[0]), "N") == nobody.value.message.replace(
        str(2**62), "N"
    )
    with pytest.raises(NotFound):
        await coaching.accept_invitation(db, people.stranger, 2**62, NOW)


async def test_links_refuse_yourself_and_duplicates(db: AsyncSession, people: People) -> None:
    with pytest.raises(InvalidInput, match="your own address"):
        await coaching.invite_coach(db, people.athlete, InviteCoach(email=people.athlete.email))
    with pytest.raises(InvalidInput, match="not an email"):
        await coaching.invite_coach(db, people.athlete, InviteCoach(email="coach-at-example"))
    await coaching.invite_coach(db, people.athlete, InviteCoach(email=people.coach.email))
    from core.errors import Conflict

    with pytest.raises(Conflict):
        await coaching.invite_coach(db, people.athlete, InviteCoach(email=people.coach.email.upper()))
    with pytest.raises(NotFound):  # someone else's invitation cannot be accepted
        await coaching.accept_invitation(
            db, people.stranger, (await coaching.overview(db, people.athlete)).coaches[0].id, NOW
        )


async def test_the_agent_tool_reads_the_same_feed(db: AsyncSession, people: People) -> None:
    await _link(db, people)
    deps = ToolDeps.for_user(db, people.coach, now=NOW)
    page = (
        await call_tool("activity_feed", deps, {"athlete_id": people.athlete.id, "limit": 2})
    ).model_dump()
    direct = await feed_page(db, people.coach, FeedQuery(athlete_id=people.athlete.id, limit=2))
    assert page == direct.model_dump()
    with pytest.raises(NotFound):
        await call_tool("activity_feed", deps, {"athlete_id": people.other_athlete.id})
    with pytest.raises(InvalidInput):
        await call_tool("activity_feed", deps, {"athlete_id": 2**63})
