/** What a guest's login is made of, checked where hv writes it (the seed) and where it reads it back (phone home, readiness). */

/** A Linux user name cloud-init can create: lower-case, at most 32 characters. */
export const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/

/** An OpenSSH ed25519 public key line, as cloud-init's phone_home posts the host key. */
export const ED25519_KEY_LINE = /^ssh-ed25519 [A-Za-z0-9+/]+={0,3}(?: \S+)?$/
