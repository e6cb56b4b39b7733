"""What `mounasabet-admin` reads and does: queries and audited actions over core's tables.

Every function here returns plain, JSON-ready values (the tool prints them as tables or
JSON) and every action writes one `admin_audit` row in the same transaction as its effect.
"""
