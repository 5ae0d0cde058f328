#!/usr/bin/env node
// Packages editors/vscode as a .vsix (the zip VS Code installs): the client bundled with
// vscode-languageclient by rolldown (`vscode` left to the editor), the grammar, the language
// configuration, the manifest files. No network, no vsce: the zip is written here with
// node:zlib. `--out FILE` chooses where (default editors/vscode/NAME-VERSION.vsix).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateRawSync } from 'node:zlib';
import { rolldown } from 'rolldown';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ext = join(root, 'editors/vscode');
const pkg = JSON.parse(readFileSync(join(ext, 'package.json'), 'utf8'));
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
if (pkg.version !== version) {
  process.stderr.write(`editors/vscode/package.json has version ${pkg.version}, fdwarden has ${version}: make them equal\n`);
  process.exit(1);
}
const at = process.argv.indexOf('--out');
const out = at > 0 ? process.argv[at + 1] : join(ext, `${pkg.name}-${version}.vsix`);

// The client and vscode-languageclient in one CommonJS file, as the extension host loads it.
const bundle = await rolldown({ input: join(ext, 'src/extension.js'), platform: 'node', external: ['vscode', /^node:/], logLevel: 'warn' });
const { output } = await bundle.generate({ format: 'cjs', minify: true });
await bundle.close();
const client = output[0].code;
mkdirSync(join(ext, 'dist'), { recursive: true });
writeFileSync(join(ext, 'dist/extension.js'), client);

const xml = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const manifest = `<?xml version="1.0" encoding="utf-8"?>
<PackageManifest Version="2.0.0" xmlns="http://schemas.microsoft.com/developer/vsx-schema/2011" xmlns:d="http://schemas.microsoft.com/developer/vsx-schema-design/2011">
  <Metadata>
    <Identity Language="en-US" Id="${xml(pkg.name)}" Version="${xml(version)}" Publisher="${xml(pkg.publisher)}" />
    <DisplayName>${xml(pkg.displayName)}</DisplayName>
    <Description xml:space="preserve">${xml(pkg.description)}</Description>
    <Tags>fdwarden,policy,__ext_policy</Tags>
    <Categories>${xml(pkg.categories.join(','))}</Categories>
    <GalleryFlags>Public</GalleryFlags>
    <Properties>
      <Property Id="Microsoft.VisualStudio.Code.Engine" Value="${xml(pkg.engines.vscode)}" />
      <Property Id="Microsoft.VisualStudio.Code.ExtensionDependencies" Value="" />
      <Property Id="Microsoft.VisualStudio.Code.ExtensionPack" Value="" />
      <Property Id="Microsoft.VisualStudio.Code.ExtensionKind" Value="workspace" />
      <Property Id="Microsoft.VisualStudio.Code.LocalizedLanguages" Value="" />
      <Property Id="Microsoft.VisualStudio.Services.GitHubFlavoredMarkdown" Value="true" />
    </Properties>
    <License>extension/LICENSE.txt</License>
  </Metadata>
  <Installation>
    <InstallationTarget Id="Microsoft.VisualStudio.Code" />
  </Installation>
  <Dependencies />
  <Assets>
    <Asset Type="Microsoft.VisualStudio.Code.Manifest" Path="extension/package.json" Addressable="true" />
    <Asset Type="Microsoft.VisualStudio.Services.Content.Details" Path="extension/README.md" Addressable="true" />
    <Asset Type="Microsoft.VisualStudio.Services.Content.License" Path="extension/LICENSE.txt" Addressable="true" />
  </Assets>
</PackageManifest>
`;

const files = [
  ['extension.vsixmanifest', manifest],
  ['extension/package.json', readFileSync(join(ext, 'package.json'))],
  ['extension/README.md', readFileSync(join(ext, 'README.md'))],
  ['extension/LICENSE.txt', readFileSync(join(root, 'LICENSE'))],
  ['extension/language-configuration.json', readFileSync(join(ext, 'language-configuration.json'))],
  ['extension/syntaxes/fdwarden.tmLanguage.json', readFileSync(join(ext, 'syntaxes/fdwarden.tmLanguage.json'))],
  ['extension/dist/extension.js', client],
];
const types = {
  '.json': 'application/json', '.md': 'text/markdown', '.txt': 'text/plain', '.js': 'application/javascript', '.vsixmanifest': 'text/xml',
};
const contentTypes = `<?xml version="1.0" encoding="utf-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">${Object.entries(types).map(([e, t]) => `<Default Extension="${e}" ContentType="${t}" />`).join('')}</Types>
`;
files.splice(1, 0, ['[Content_Types].xml', contentTypes]);

/** A zip of deflated entries (APPNOTE 6.3: local headers, central directory, end record). */
function zip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  const DOS_TIME = 0; // 00:00:00
  const DOS_DATE = (2020 - 1980) << 9 | 1 << 5 | 1; // a fixed date: the same input gives the same bytes
  for (const [name, content] of entries) {
    const data = typeof content === 'string' ? Buffer.from(content) : content;
    const packed = deflateRawSync(data, { level: 9 });
    const nameBytes = Buffer.from(name);
    const crc = crc32(data);
    // The fields a local header and its central entry share, in the same order.
    const common = Buffer.alloc(26);
    common.writeUInt16LE(20, 0); // version needed: deflate
    common.writeUInt16LE(0x0800, 2); // names are UTF-8
    common.writeUInt16LE(8, 4); // deflate
    common.writeUInt16LE(DOS_TIME, 6);
    common.writeUInt16LE(DOS_DATE, 8);
    common.writeUInt32LE(crc, 10);
    common.writeUInt32LE(packed.length, 14);
    common.writeUInt32LE(data.length, 18);
    common.writeUInt16LE(nameBytes.length, 22);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    common.copy(local, 4); // extra length (28) stays 0
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
    common.copy(central, 6); // extra, comment, disk, internal attributes stay 0
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: a regular file, rw-r--r--
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

const vsix = zip(files);
writeFileSync(out, vsix);
process.stdout.write(`${out}: ${vsix.length} bytes, ${files.length} files (client bundle ${Buffer.byteLength(client)} bytes)\n`);
