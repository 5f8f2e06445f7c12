import { z } from 'zod'

/** libvirt connection URIs: qemu:///system, qemu+ssh://user@host/system, test:///default ... */
export const LibvirtUri = z
  .string()
  .regex(/^[a-z][a-z0-9+.-]*:\/\/[^\s]*$/, 'must be a libvirt URI such as qemu:///system')

/** libvirt object names hv writes into config: pools and networks. */
export const LibvirtObjectName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be 1-64 letters, digits, dots, dashes or underscores')

/** /etc/hypervisor/hv.json, written by the NixOS module (modules/core). */
export const HostConfig = z
  .object({
    uri: LibvirtUri.optional(),
    storagePool: LibvirtObjectName.optional(),
    network: LibvirtObjectName.optional(),
  })
  .strict()
export type HostConfig = z.infer<typeof HostConfig>

export const ExperienceLevel = z.enum(['beginner', 'standard', 'expert'])
export type ExperienceLevel = z.infer<typeof ExperienceLevel>

/** hv's own per-user settings (~/.config/hv/settings.json). */
export const UserSettings = z
  .object({
    experience: ExperienceLevel.default('standard'),
  })
  .strict()
export type UserSettings = z.infer<typeof UserSettings>
