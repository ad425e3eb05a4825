/*
 * Letters by post (P-5). A carrier plugin prints and posts a finished PDF; the letter channel
 * (rendering, the wallet, the invoice's event log) is built on top of it. One carrier per plugin,
 * e.g. `postal-be`, `postal-nl`, `postal-de-epost`.
 */

/** A postal address as printed in the envelope window; validated by the carrier for its countries. */
export interface PostalAddress {
  /** Person or company, first line. */
  name: string;
  /** "Attn." or department, optional second line. */
  attention?: string;
  /** Street, number and box/bus: "Kerkstraat 12 bus 3". */
  street: string;
  /** BE "1000", NL "1234 AB", DE "10115". */
  postalCode: string;
  city: string;
  /** ISO 3166 alpha-2. */
  country: string;
}

export type PostalProduct = 'standard' | 'priority' | 'registered';

/** What is printed and how: the carrier prices and checks it before anything is sent. */
export interface LetterSpec {
  recipient: PostalAddress;
  sender: PostalAddress;
  /** A4 pages of the finished PDF. */
  pages: number;
  color: boolean;
  duplex: boolean;
  product: PostalProduct;
}

/** Where a letter is in its life; `failed` and `returned` are final failures, `delivered` the happy end. */
export type LetterStatus = 'submitted' | 'accepted' | 'rejected' | 'printed' | 'posted' | 'delivered' | 'returned' | 'cancelled' | 'failed';

/** A status change learnt from the carrier (a signed webhook or a status poll). */
export interface LetterEvent {
  /** Unique per event at the carrier: replays are recognised by it. */
  eventId: string;
  carrierLetterId: string;
  status: LetterStatus;
  /** The carrier's reason, e.g. 'address_undeliverable', 'pdf_unreadable'. */
  reason?: string;
  occurredAt: Date;
}

/**
 * One priced part of a letter (since API 2.5): the letter channel holds `units` of the spend channel
 * `channel` at its catalog price (country, plan) for each charge, captures them all when the carrier
 * accepts the letter and releases them all when it rejects it. A carrier declares these channels
 * (with their prices) on the spend-channels extension point, e.g. postage per letter by product and
 * printing per sheet by colour.
 */
export interface PostalCharge {
  /** A spend channel id the carrier declared: 'postal-be-postage-standard', 'postal-be-print-color'. */
  channel: string;
  /** Positive decimal string. */
  units: string;
  /** One line for the history: "Postage, registered". */
  description: string;
}

/** What sending a letter will take: `units` are what the wallet prices (sheets or letters, per the carrier's catalog unit). */
export interface PostalQuote {
  /** Sheets (the unit a carrier without `charges` is priced in). */
  units: string;
  /** The catalog country the price is looked up for (the recipient's). */
  country: string;
  /** Sheets of paper (duplex halves the pages). */
  sheets: number;
  description: string;
  /**
   * The priced parts (since API 2.5). Required, non-empty, for `billing: 'wallet'` carriers; absent
   * or empty for `own_account` carriers (the wallet is never touched).
   */
  charges?: readonly PostalCharge[];
}

export interface PostalCarrier {
  /** Kebab-case, unique: 'postal-be'. */
  readonly id: string;
  readonly label: string;
  /** Destination countries this carrier posts to (ISO 3166 alpha-2); others are refused before anything is held. */
  readonly countries: readonly string[];
  readonly products: readonly PostalProduct[];
  /**
   * Who pays: 'wallet' (the letter channel holds and captures the catalog price) or 'own_account'
   * (the account's own contract with the carrier pays, e.g. E-Post in Germany; the wallet is never touched).
   */
  readonly billing: 'wallet' | 'own_account';
  /**
   * true when the print service matches sheets to letters by a barcode (since API 2.5): the cover
   * page then carries the letter's reference as a Code 128 barcode, clear of the address window.
   */
  readonly barcode?: boolean;

  /** Checks the letter (address format, page limits, product) and prices it; a bad letter throws a ValidationError and costs nothing. */
  quote(input: { accountId: string; letter: LetterSpec }): Promise<PostalQuote>;
  /**
   * Hands the finished PDF to the carrier. Idempotent per `idempotencyKey`: a retry never posts a
   * second letter. `accepted` means the carrier took it (the moment to capture); `rejected` comes with a reason.
   */
  submit(input: {
    accountId: string;
    letter: LetterSpec;
    pdf: Uint8Array;
    idempotencyKey: string;
    /** The letter's id at Tollgate, printed on the cover; carriers pass it on as their reference/metadata (since API 2.5). */
    reference?: string;
    /**
     * Where the carrier's service should send signed status callbacks for this letter (since API 2.5):
     * the host's `POST /webhooks/postal/<carrier id>`, which calls `parseWebhook`.
     */
    callbackUrl?: string;
  }): Promise<{ carrierLetterId: string; status: 'submitted' | 'accepted' | 'rejected'; reason?: string }>;
  /** Stops a letter that is not printed yet; false when it is too late. */
  cancel?(input: { accountId: string; carrierLetterId: string }): Promise<{ cancelled: boolean }>;
  /** Reads the current status, for letters whose webhooks never came. */
  getStatus?(input: { accountId: string; carrierLetterId: string }): Promise<LetterEvent | null>;
  /** Verifies and parses a carrier notification; throws a ValidationError on a bad signature. */
  parseWebhook?(input: { headers: Readonly<Record<string, string | undefined>>; rawBody: Buffer }): Promise<LetterEvent[]>;
}
