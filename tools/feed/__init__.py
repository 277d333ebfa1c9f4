"""The activity feed: activities newest first with the coach's short comment on each, people's comments,
and a coach's view of the athletes who share their feed (`tools.account.coaching`)."""
