/**
 * The Nix rules of `hv dev validate`: every .nix file of modules/, tests/, packages/ and
 * the flake parses (the real nix-instantiate), and the modules follow the module pattern
 * (DEVELOPMENT.md), checked on tree-sitter-nix syntax trees.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Checker, ValidationContext } from '../checker.js'
import type { Finding, RuleInfo } from '../finding.js'
import { analyzeFiles } from '../nix/analysis.js'
import { nixSyntaxErrors, type NixSyntaxError } from '../nix/instantiate.js'
import { sysctlOwnerFindings, sysctlSettings, type SysctlSetting } from '../nix/sysctl-owner.js'

export const NIX_RULES: readonly RuleInfo[] = [
  { id: 'nix/syntax', summary: 'Every .nix file parses with the real nix-instantiate --parse: no syntax error, no undefined variable.' },
  { id: 'nix/syntax-tree', summary: 'tree-sitter-nix reads every file Nix parses, so that the module rules can check it (a warning otherwise).' },
  { id: 'nix/option-namespace', summary: 'Modules declare options only under options.hypervisor.' },
  { id: 'nix/config-behind-mkif', summary: "A module's config is lib.mkIf (or lib.mkMerge of lib.mkIf): importing it changes nothing until it is enabled." },
  { id: 'nix/structure-from-config', summary: "Neither imports nor a module's top-level structure (its top expression, attribute names, option declarations) depends on config." },
  { id: 'nix/config-in-let', summary: "A module's top-level let forces no value of config: only aliases such as cfg = config.hypervisor, and functions." },
  { id: 'nix/with-lib', summary: 'No with lib; (nor with lib.types;): lib.mkOption, lib.types.* are written in full.' },
  { id: 'nix/mkoption-type-description', summary: 'Every lib.mkOption has a type and a description.' },
  { id: 'nix/sysctl-owner', summary: 'Each sysctl key (boot.kernel.sysctl) is set by exactly one module.' },
]

function syntaxFinding(file: string, error: NixSyntaxError): Finding {
  const fix = error.message.startsWith('undefined variable')
    ? 'define it (a let binding or a function argument) or correct its name'
    : `correct the syntax there (nix-instantiate --parse ${file} shows the same error)`
  return { rule: 'nix/syntax', severity: 'error', file, line: error.line, column: error.column, message: `${error.message}: ${fix}` }
}

async function check(context: ValidationContext): Promise<Finding[]> {
  const { root, nix: files } = context.files
  const sources = await Promise.all(files.map(async (file) => ({ file, text: await readFile(join(root, file), 'utf8') })))
  // Every file is analysed (or taken from the cache): the sysctl rule reads all modules and
  // the files they import, whatever was selected.
  const [syntaxErrors, analyses] = await Promise.all([
    nixSyntaxErrors(
      root,
      sources.filter(({ file }) => context.selected(file)),
      context.cache,
    ),
    analyzeFiles(sources, context.cache),
  ])

  const findings = [...syntaxErrors].map(([file, error]) => syntaxFinding(file, error))
  const settings: SysctlSetting[] = []
  const sysctlValueOf = (file: string) => analyses.get(file)?.asSysctlValue
  for (const [file, analysis] of analyses) {
    if (analysis.sysctls) settings.push(...sysctlSettings(file, analysis.sysctls, sysctlValueOf))
    if (!context.selected(file)) continue
    findings.push(...analysis.findings)
    // A file Nix rejects has its nix/syntax finding; one Nix reads is beyond the grammar.
    if (analysis.treeError && !syntaxErrors.has(file)) {
      findings.push({
        rule: 'nix/syntax-tree',
        severity: 'warning',
        file,
        ...analysis.treeError,
        message: 'tree-sitter-nix cannot read this construct although Nix can, so the module rules did not check this file: write it another way (or update tree-sitter-nix in cli/package.json)',
      })
    }
  }
  findings.push(...sysctlOwnerFindings(settings))
  return findings
}

export const nixChecker: Checker = { id: 'nix', rules: NIX_RULES, check }
