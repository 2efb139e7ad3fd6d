"""Sites: one installation's premises, with the IANA time zone its schedules are written in."""
