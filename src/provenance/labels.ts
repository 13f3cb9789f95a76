// TEMPORARY STUB of the gs1 helper's labels API (branch `gs1` replaces this whole file on merge).
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

import { toDigitalLink, type Gs1Identity } from "./gs1/index.js";

export interface LabelInput {
  identity: Gs1Identity;
  scratchCode: string;
}

export interface Label {
  digitalLink: string;
  svg: string;
  png: Buffer;
}

export function renderLabel(input: LabelInput): Label {
  const digitalLink = toDigitalLink(input.identity);
  return {
    digitalLink,
    svg: `<svg xmlns="http://www.w3.org/2000/svg"><text>${digitalLink}</text></svg>`,
    png: Buffer.alloc(0),
  };
}

export async function writeLabels(dir: string, packs: LabelInput[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const pack of packs) {
    const file = path.join(dir, `${pack.identity.serial ?? "label"}.svg`);
    await writeFile(file, renderLabel(pack).svg);
    files.push(file);
  }
  return files;
}
