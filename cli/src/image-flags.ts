import { Flags } from '@oclif/core'

/** Where aliases resolve: a mirror instead of the official sites (hv image pull, hv vm create --image). */
export const registryFlag = Flags.string({
  description: 'a mirror standing in for the official image sites (layout: URL/<distro>-<version>/, e.g. URL/debian-12/); default: hv.json imageRegistry',
  env: 'HV_IMAGE_REGISTRY',
})
