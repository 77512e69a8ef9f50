"""A cheap password hash for the test process.

Django's PBKDF2 takes about half a second a password on CI's cores, and nearly every
test makes a user or two. This hasher has the same algorithm name with far fewer
iterations: the iteration count is written into each hash, so a web process started
by a test (with the production hashers) still verifies these passwords."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1_000
