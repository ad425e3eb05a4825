export { CORPUS_DIR, readCorpusTruth } from './corpus-files.js';
export { isValidVatNumber } from './check-digits.js';
export {
  CORPUS_KINDS,
  type CorpusContentType,
  type CorpusKind,
  type CorpusLayout,
  type CorpusTruth,
  type TruthDocument,
  type TruthFields,
  type TruthVatAmount,
} from './corpus.types.js';
