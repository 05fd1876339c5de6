// What a read request's name resolves to: a provisioning file rendered for the phone asking (its
// class's own template item, or the family's shipped or stored template), else a store item.
import { SysError } from '../../hal/hal';
import type { LeaseDirectory, LeaseInfo } from '../dhcp/types';
import type { Store } from '../store/types';
import { isFailure } from '../store/types';
import { ipToString } from '../util/ipv4';
import { macToString } from '../util/mac';
import { decodeUtf8 } from '../util/text';
import { TftpError } from '../wire/tftp';
import { TEMPLATE_ITEM_PREFIX } from './names';
import { classFileName, matchProvisioningName, provisioningVars, resolveTemplate } from './provisioning';
import { renderTemplate } from './render';
import { BytesSource, ItemSource, type BlockSource } from './source';
import { SHIPPED_TEMPLATES, type TemplateId } from './templates';

export const NO_STORE = { error: SysError.NOT_FOUND, message: 'no flash store mounted' } as const;

/** A file to send: its blocks, its size, and its bytes when rendered in RAM (netascii sizing). */
export interface OpenedFile {
  readonly source: BlockSource;
  readonly size: number;
  readonly raw?: Uint8Array;
}

/** Why a name is not served: the TFTP error code, the counter kind and the message sent. */
export interface Refusal {
  readonly code: number;
  readonly kind: string;
  readonly message: string;
}

export interface FileSourcesOptions {
  readonly store: Store | undefined;
  readonly leases: LeaseDirectory;
  /** The router's LAN address and public (WAN) address, as templates name them. */
  readonly lanIp: () => number | undefined;
  readonly publicIp: () => number | undefined;
  readonly maxRenderedBytes: number;
  /** Lines the owner must see (a template that cannot be rendered for a phone). */
  readonly warn?: (line: string) => void;
}

export class FileSources {
  constructor(private readonly options: FileSourcesOptions) {}

  /** Resolve the name to bytes: a rendered provisioning file, or a store item. */
  async open(client: number, name: string): Promise<OpenedFile | Refusal> {
    // The family names (SEP<MAC>.cnf.xml, <mac>.cfg, ...) come first: a Polycom's <mac>.cfg is its
    // master file even when the owner stored template:polycom for its settings file.
    const match = matchProvisioningName(name);
    const lease = this.options.leases.byIp(client);
    const resolved = match ? resolveTemplate(match, lease) : undefined;
    if (!resolved?.ok) {
      const own = await this.classTemplate(lease, name);
      if (own) return own;
    }
    if (resolved) {
      if (!resolved.ok || !lease) {
        const reason = resolved.ok ? 'no-lease' : resolved.reason;
        return { code: resolved.ok ? 1 : resolved.code, kind: `provisioning:${reason}`, message: `not served to this address (${reason})` };
      }
      return this.render(await this.loadTemplate(resolved.template), resolved.template, lease);
    }
    const reader = this.options.store?.open(name) ?? NO_STORE;
    if (isFailure(reader)) {
      return reader.error === SysError.NOT_FOUND
        ? { code: TftpError.FILE_NOT_FOUND, kind: 'not-found', message: 'file not found' }
        : { code: TftpError.NOT_DEFINED, kind: 'store-error', message: `store: ${reader.message}` };
    }
    return { source: new ItemSource(reader), size: reader.stat.size };
  }

  /**
   * A phone asking for the file its own class's name pattern gives it, when the owner stored a
   * `template:<class>` item: that item rendered for the phone. Otherwise undefined (the family
   * patterns and plain store items apply), so a class without its own template changes nothing.
   */
  private async classTemplate(lease: LeaseInfo | undefined, name: string): Promise<(OpenedFile & { raw: Uint8Array }) | Refusal | undefined> {
    if (!lease?.provisioningName || !lease.phoneClass || !lease.block || classFileName(lease.provisioningName, lease.mac) !== name) return undefined;
    const template = await this.readTemplateItem(TEMPLATE_ITEM_PREFIX + lease.phoneClass);
    return template === undefined ? undefined : this.render(template, lease.phoneClass, lease);
  }

  /** A template (or the error reading it) rendered for the phone holding `lease`. */
  private render(template: string | { message: string }, id: string, lease: LeaseInfo): (OpenedFile & { raw: Uint8Array }) | Refusal {
    if (typeof template !== 'string') return { code: TftpError.NOT_DEFINED, kind: 'provisioning:template-unreadable', message: template.message };
    const vars = provisioningVars(lease, this.options.lanIp(), this.options.publicIp());
    const rendered = renderTemplate(template, vars, this.options.maxRenderedBytes);
    if (!rendered.ok) {
      // The owner must learn which value is missing: the phone only sees an error and retries.
      const hint = rendered.missing && lease.phoneClass ? ` (phone-class ${lease.phoneClass} var ${rendered.missing} <value>)` : '';
      this.options.warn?.(`provisioning file for ${macToString(lease.mac)} at ${ipToString(lease.ip)} not rendered: template ${id}: ${rendered.reason}${hint}`);
      return { code: TftpError.NOT_DEFINED, kind: 'provisioning:render-failed', message: `template ${id}: ${rendered.reason}` };
    }
    return { source: new BytesSource(rendered.bytes), size: rendered.bytes.length, raw: rendered.bytes };
  }

  /** The store's `template:<id>` item when present (bounded), else the shipped template. */
  private async loadTemplate(id: TemplateId): Promise<string | { message: string }> {
    return (await this.readTemplateItem(TEMPLATE_ITEM_PREFIX + id)) ?? SHIPPED_TEMPLATES[id];
  }

  /** A template item's text; undefined when the store has no such item. */
  private async readTemplateItem(item: string): Promise<string | { message: string } | undefined> {
    const reader = this.options.store?.open(item) ?? NO_STORE;
    if (isFailure(reader)) return undefined;
    const id = item.slice(TEMPLATE_ITEM_PREFIX.length);
    const limit = this.options.maxRenderedBytes;
    try {
      if (reader.stat.size > limit) return { message: `template ${id} larger than ${limit} bytes` };
      const bytes = new Uint8Array(reader.stat.size);
      let got = 0;
      while (got < bytes.length) {
        const n = await reader.read(got, bytes.subarray(got));
        if (isFailure(n)) return { message: `template ${id}: ${n.message}` };
        if (n === 0) break;
        got += n;
      }
      return decodeUtf8(bytes, 0, got);
    } finally {
      reader.close();
    }
  }
}
