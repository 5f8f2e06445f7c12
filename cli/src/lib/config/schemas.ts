import { z } from 'zod'

/** libvirt connection URIs: qemu:///system, qemu+ssh://user@host/system, test:///default ... */
export const LibvirtUri = z
  .string()
  .regex(/^[a-z][a-z0-9+.-]*:\/\/[^\s]*$/, 'must be a libvirt URI such as qemu:///system')

/** libvirt object names hv writes into config: pools and networks. */
export const LibvirtObjectName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be 1-64 letters, digits, dots, dashes or underscores')

/** What new VMs get unless `hv vm create` is told otherwise (hypervisor.cli.defaults, set by features). */
export const VmDefaults = z
  .object({
    firmware: z.enum(['bios', 'uefi']).optional(),
    secureBoot: z.boolean().optional(),
    tpm: z.boolean().optional(),
    guestAgent: z.boolean().optional(),
    serialConsoleLog: z.boolean().optional(),
  })
  .strict()
export type VmDefaults = z.infer<typeof VmDefaults>

/** /etc/hypervisor/hv.json, written by the NixOS module (modules/core). */
export const HostConfig = z
  .object({
    uri: LibvirtUri.optional(),
    storagePool: LibvirtObjectName.optional(),
    network: LibvirtObjectName.optional(),
    defaults: VmDefaults.optional(),
    /** The TCP ports guests phone home to when cloud-init is done (opened on VM bridges only). */
    phoneHomePorts: z
      .object({ from: z.number().int().min(1024).max(65535), to: z.number().int().min(1024).max(65535) })
      .strict()
      .refine((range) => range.from <= range.to, 'from must not be above to')
      .optional(),
    /** A site mirror that image aliases resolve against (URL/<distro>-<version>/). */
    imageRegistry: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    /** A JSON file in the host's flake that its configuration reads with lib.importJSON; `--apply` edits it. */
    managedSettingsFile: z.string().startsWith('/', 'must be an absolute path').optional(),
    /** The flake reference for `nixos-rebuild switch --flake`, such as /etc/nixos#hv1. */
    rebuildFlake: z.string().regex(/^\S+$/, 'must be a flake reference such as /etc/nixos#hv1').optional(),
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

/** The host's security phase (hypervisor.security.phase). */
export const SecurityPhase = z.enum(['setup', 'hardened'])
export type SecurityPhase = z.infer<typeof SecurityPhase>

/**
 * The file hv.json's managedSettingsFile names, which the host's configuration reads with
 * lib.importJSON. hv changes `phase` and keeps every other key as it is.
 */
export const ManagedSettings = z.looseObject({ phase: SecurityPhase.optional() })
export type ManagedSettings = z.infer<typeof ManagedSettings>
