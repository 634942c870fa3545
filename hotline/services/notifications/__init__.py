"""Progress notifications for citizens (DESIGN §7, issue 12).

The path of one notification, each step its own module:

1. ``outbox``: a lifecycle step a citizen should hear about appends its event; a session
   hook (``before_flush``) writes an ``OutboxEntry`` beside it, in the same transaction. A
   rolled-back step leaves no entry; a committed one always has one.
2. ``relay``: the worker hands due outbox entries and deliveries to the job queue (Huey),
   stamping each with the time it was queued; whatever a killed worker left behind is
   queued again after ``JOBS_TASK_LEASE_SECONDS``.
3. ``fanout``: one inbox message per recipient (the requester, and phones following the
   order), and at most one push per message: WeChat when the citizen holds a consent for
   the template, else SMS, as their preferences allow (``preferences``, ``consents``).
4. ``delivery``: a worker claims a delivery (committed before the send), sends it through
   its channel (``channels``), and records the result: sent, retried with backoff, dead
   after ``NOTIFY_MAX_ATTEMPTS``, refused (WeChat: consent used up, so SMS instead) or,
   when the worker died mid-send, uncertain — never sent twice. SMS waits for the end of
   the quiet hours (``quiet``) unless the order is a 2-hour emergency.
5. ``inbox``: what the citizen reads in the app; ``deadletters``: what staff see of the
   failures.
"""
