import { describe, expect, it } from 'vitest';
import { LOCALES } from './index.js';
import admin from './messages/admin.js';
import common from './messages/common.js';
import features from './messages/features.js';
import fill from './messages/fill.js';
import history from './messages/history.js';
import invoices from './messages/invoices.js';
import refund from './messages/refund.js';
import wallet from './messages/wallet.js';

const AREAS = { common, wallet, fill, history, refund, features, invoices, admin };

describe('the dashboard texts', () => {
  it('never define one key in two areas (the later area would silently replace the earlier text)', () => {
    const owner = new Map<string, string>();
    const clashes: string[] = [];
    for (const [area, messages] of Object.entries(AREAS)) {
      for (const key of Object.keys(messages.en)) {
        const first = owner.get(key);
        if (first) clashes.push(`${key}: ${first} and ${area}`);
        else owner.set(key, area);
      }
    }
    expect(clashes).toEqual([]);
  });

  it('have every text in every language, none empty, with the same {placeholders} as the English', () => {
    const problems: string[] = [];
    for (const [area, messages] of Object.entries(AREAS)) {
      for (const [key, english] of Object.entries(messages.en)) {
        const wanted = [...english.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
        for (const locale of LOCALES) {
          const text = (messages[locale] as Record<string, string>)[key];
          if (!text?.trim()) problems.push(`${area} ${locale} ${key}: empty`);
          else if (JSON.stringify([...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort()) !== JSON.stringify(wanted))
            problems.push(`${area} ${locale} ${key}: placeholders differ from the English`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
