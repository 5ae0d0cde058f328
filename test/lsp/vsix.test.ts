/**
 * `npm run package:vscode`: the .vsix is a zip VS Code can install: the expected files, intact
 * (CRCs), a manifest and content types that are well-formed XML naming what is there, the
 * extension's package.json and grammar valid, and a client bundle that loads with nothing but
 * `vscode` (given by the editor) and Node's built-ins.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../temp-dirs.js';

const ROOT = join(import.meta.dirname, '../..');

/** The entries of a zip, by its central directory, each checked against its CRC. */
function unzip(zip: Buffer): Map<string, Buffer> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(end).toBeGreaterThan(0);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const size = zip.readUInt32LE(at + 20);
    const nameLen = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLen);
    expect(zip.readUInt32LE(local)).toBe(0x04034b50);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + size);
    const data = method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
    expect(crc32(data), name).toBe(crc);
    out.set(name, data);
    at += 46 + nameLen + extra + comment;
  }
  return out;
}

/** Well-formed XML, as far as these files go: a declaration, balanced tags, quoted attributes. */
function wellFormed(xml: string): void {
  expect(xml.startsWith('<?xml version="1.0" encoding="utf-8"?>')).toBe(true);
  const stack: string[] = [];
  const body = xml.replace(/^<\?xml[^>]*\?>/, '');
  let roots = 0;
  for (const m of body.matchAll(/<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g)) {
    if (m[6] !== undefined) throw new Error(`a stray < in ${xml}`);
    if (m[5] !== undefined) {
      if (stack.length === 0) expect(m[5].trim()).toBe('');
      expect(m[5]).not.toMatch(/&(?!(amp|lt|gt|quot|apos);)/);
      continue;
    }
    if (stack.length === 0) roots++;
    if (m[1]) expect(stack.pop()).toBe(m[2]);
    else if (!m[4]) stack.push(m[2]!);
  }
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
}

describe('the VS Code extension package', () => {
  let files: Map<string, Buffer>;
  let size: number;

  beforeAll(() => {
    const out = join(tempDir('fdwarden-vsix-'), 'x.vsix');
    execFileSync(process.execPath, [join(ROOT, 'scripts/package-vscode.mjs'), '--out', out], { encoding: 'utf8' });
    const zip = readFileSync(out);
    size = zip.length;
    files = unzip(zip);
  });

  it('holds the manifest files, the extension, its grammar and its client', () => {
    expect([...files.keys()].sort()).toEqual([
      '[Content_Types].xml', 'extension.vsixmanifest', 'extension/LICENSE.txt', 'extension/README.md',
      'extension/dist/extension.js', 'extension/language-configuration.json', 'extension/package.json',
      'extension/syntaxes/fdwarden.tmLanguage.json',
    ]);
    expect(size).toBeLessThan(1 << 20);
  });

  it('has a well-formed manifest naming the extension and files that are there', () => {
    const manifest = files.get('extension.vsixmanifest')!.toString();
    wellFormed(manifest);
    const pkg = JSON.parse(files.get('extension/package.json')!.toString()) as { name: string; version: string; publisher: string };
    const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(pkg.version).toBe(root.version);
    expect(manifest).toContain(`<Identity Language="en-US" Id="${pkg.name}" Version="${pkg.version}" Publisher="${pkg.publisher}" />`);
    const assets = [...manifest.matchAll(/Path="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBe(3);
    for (const a of assets) expect(files.has(a), a).toBe(true);
    const types = files.get('[Content_Types].xml')!.toString();
    wellFormed(types);
    const known = new Set([...types.matchAll(/Extension="([^"]+)"/g)].map((m) => m[1]));
    for (const f of files.keys()) if (f !== '[Content_Types].xml') expect(known.has(/\.[^./]+$/.exec(f)![0]), f).toBe(true);
  });

  it('contributes the language, the grammar and the settings, pointing at files it holds', () => {
    const pkg = JSON.parse(files.get('extension/package.json')!.toString()) as {
      main: string; activationEvents: string[];
      contributes: { languages: { id: string; extensions: string[]; configuration: string }[]; grammars: { language: string; scopeName: string; path: string }[]; configuration: { properties: Record<string, unknown> } };
    };
    const inZip = (p: string): boolean => files.has(join('extension', p));
    expect(inZip(pkg.main)).toBe(true);
    expect(pkg.activationEvents).toEqual(['onLanguage:fdwarden']);
    expect(pkg.contributes.languages).toMatchObject([{ id: 'fdwarden', extensions: ['.policy'] }]);
    expect(inZip(pkg.contributes.languages[0]!.configuration)).toBe(true);
    expect(pkg.contributes.grammars).toMatchObject([{ language: 'fdwarden', scopeName: 'source.fdwarden' }]);
    expect(inZip(pkg.contributes.grammars[0]!.path)).toBe(true);
    expect(Object.keys(pkg.contributes.configuration.properties).sort()).toEqual(['fdwarden.path', 'fdwarden.vars']);
    JSON.parse(files.get('extension/language-configuration.json')!.toString());
    expect(files.get('extension/syntaxes/fdwarden.tmLanguage.json')!.toString()).toBe(readFileSync(join(ROOT, 'editors/vscode/syntaxes/fdwarden.tmLanguage.json'), 'utf8'));
  });

  it("bundles a client that needs only vscode and Node's built-ins, and exports activate and deactivate", () => {
    const code = files.get('extension/dist/extension.js')!.toString();
    const required = new Set([...code.matchAll(/require\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]!));
    expect([...required].filter((r) => r !== 'vscode' && !builtinModules.includes(r.replace(/^node:/, '')))).toEqual([]);
    expect(required.has('vscode')).toBe(true);
    const dir = tempDir('fdwarden-vsix-load-');
    writeFileSync(join(dir, 'extension.js'), code);
    // The editor's API as a stand-in: any name is a class, callable, with the same below it.
    const load = `const Module = require('node:module'); const orig = Module._load;
      const any = () => new Proxy(class {}, { get: (t, k) => (k === 'prototype' ? t.prototype : k === Symbol.hasInstance ? () => false : any()), apply: () => any() });
      Module._load = function (req, ...rest) { return req === 'vscode' ? any() : orig.call(this, req, ...rest); };
      const ext = require(${JSON.stringify(join(dir, 'extension.js'))});
      process.stdout.write(typeof ext.activate + ' ' + typeof ext.deactivate);`;
    const r = spawnSync(process.execPath, ['-e', load], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('function function');
  });
});
