"""External calendars: busy time imported from a provider's ICS feed, bookings exported as one."""
