export {
  writeUbl,
  ublTree,
  serialiseUblTree,
  ublFileName,
  safeFileNamePart,
  PEPPOL_CUSTOMIZATION_ID,
  PEPPOL_PROFILE_ID,
  type UblOutput,
} from './ubl-writer.js';
export {
  peppolEndpoint,
  belgianEnterpriseNumber,
  normaliseVatNumber,
  VAT_ENDPOINT_SCHEMES,
  BELGIAN_ENTERPRISE_SCHEME,
  type PeppolEndpoint,
} from './peppol-endpoint.js';
export { documentModel, EXEMPTION_CODES, type DocumentModel } from './document-model.js';
export { UblDocumentInconsistentError } from './ubl.errors.js';
export {
  buildSampleDocument,
  sampleDocuments,
  belgianEnterpriseNumberFrom,
  structuredCommunicationFrom,
  SAMPLE_SELLER,
  SAMPLE_BUYER,
  type SampleDocumentInput,
  type SampleLine,
} from './sample-documents.js';
