"""Payments: Stripe and offline gateways, webhooks, invoices, emails (the outer layer)."""
