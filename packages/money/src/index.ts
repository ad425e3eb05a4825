export { CURRENCIES, Money, MoneyError, isCurrency, type Currency } from './money.js';
