"""ORM models, one module per table. Importing this package registers every table on `Base.metadata`."""

from core.models.activity import Activity
from core.models.activity_comment import COMMENT_KINDS, ActivityComment
from core.models.activity_figures import ActivityFigures
from core.models.activity_gear import ActivityGear
from core.models.activity_sample import SAMPLE_COLUMNS, SAMPLE_VALUE_COLUMNS, activity_samples
from core.models.activity_sample_hr_quarter import activity_sample_hr_quarters
from core.models.activity_sample_minute import activity_sample_minutes
from core.models.activity_sample_pace_quarter import activity_sample_pace_quarters
from core.models.api_token import ApiToken
from core.models.availability import AvailabilityDay, BlackoutDay
from core.models.base import Base
from core.models.calendar_note import NOTE_KINDS, CalendarNote
from core.models.coaching_link import LINK_STATUSES, CoachingLink
from core.models.conversation import Conversation
from core.models.daily_health import DailyHealth
from core.models.gear import Gear
from core.models.integration import Integration
from core.models.job import Job
from core.models.knowledge_chunk import INDEXED_EMBEDDING_DIMS, KnowledgeChunk
from core.models.lap import Lap
from core.models.message import Message
from core.models.notification import Notification
from core.models.notification_delivery import NotificationDelivery
from core.models.planned_session import PlannedSession
from core.models.race import Race
from core.models.strength_set import StrengthSet
from core.models.sync_run import SyncRun
from core.models.training_plan import TrainingPlan
from core.models.user import User
from core.models.workout import Workout
from core.models.workout_step import WorkoutStep

__all__ = [
    "COMMENT_KINDS",
    "INDEXED_EMBEDDING_DIMS",
    "LINK_STATUSES",
    "NOTE_KINDS",
    "SAMPLE_COLUMNS",
    "SAMPLE_VALUE_COLUMNS",
    "Activity",
    "ActivityComment",
    "ActivityFigures",
    "ActivityGear",
    "ApiToken",
    "AvailabilityDay",
    "Base",
    "BlackoutDay",
    "CalendarNote",
    "CoachingLink",
    "Conversation",
    "DailyHealth",
    "Gear",
    "Integration",
    "Job",
    "KnowledgeChunk",
    "Lap",
    "Message",
    "Notification",
    "NotificationDelivery",
    "PlannedSession",
    "Race",
    "StrengthSet",
    "SyncRun",
    "TrainingPlan",
    "User",
    "Workout",
    "WorkoutStep",
    "activity_sample_hr_quarters",
    "activity_sample_minutes",
    "activity_sample_pace_quarters",
    "activity_samples",
]
