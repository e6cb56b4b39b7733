"""WhatsApp over Twilio: signed webhooks in, outbox messages out through the REST API."""
