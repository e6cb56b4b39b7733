"""One composition root per program: `serve`, `worker` and `poll` each build, from the
layers' own builders, only what they run (the admin tool has its own, in admin_cli)."""
