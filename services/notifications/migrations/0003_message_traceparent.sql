-- The W3C traceparent of the event handler that scheduled a message: every send attempt runs in a
-- span that is a child of it, so one trace runs from the booking request to the SMTP reply.
ALTER TABLE messages ADD COLUMN traceparent text;
