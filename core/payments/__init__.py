"""Payment ports: what core needs from a payment provider, implemented in ``payments/``."""
