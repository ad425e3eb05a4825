import type { CorpusLanguage } from './local-formats.js';
import type { VatCountry } from './check-digits.js';

/** What a supplier sells; decides the items on its documents and their VAT rates. */
export type TradeKind = 'bakery' | 'cafe' | 'stationery' | 'fuel' | 'consulting' | 'printing' | 'hotel' | 'software';

export interface CatalogueSupplier {
  name: string;
  country: VatCountry;
  trade: TradeKind;
  street: string;
  postcode: string;
  city: string;
}

/** Suppliers that exist only here: ordinary names with their legal forms and plausible addresses. */
export const SUPPLIERS: readonly CatalogueSupplier[] = [
  { name: 'Bakkerij Janssens BV', country: 'BE', trade: 'bakery', street: 'Bruul 42', postcode: '2800', city: 'Mechelen' },
  { name: 'Brasserie De Kroon BV', country: 'BE', trade: 'cafe', street: 'Grote Markt 7', postcode: '9000', city: 'Gent' },
  { name: 'Drukkerij Peeters NV', country: 'BE', trade: 'printing', street: 'Industrieweg 118', postcode: '3500', city: 'Hasselt' },
  { name: 'Van den Broeck Advies BV', country: 'BE', trade: 'consulting', street: 'Meir 24', postcode: '2000', city: 'Antwerpen' },
  { name: 'Boulangerie Dubois SRL', country: 'BE', trade: 'bakery', street: 'Rue de Fer 15', postcode: '5000', city: 'Namur' },
  { name: 'Librairie Lefèvre SRL', country: 'BE', trade: 'stationery', street: 'Rue Neuve 88', postcode: '1000', city: 'Bruxelles' },
  { name: 'Imprimerie Lambert SA', country: 'BE', trade: 'printing', street: 'Chaussée de Louvain 431', postcode: '1300', city: 'Wavre' },
  { name: 'Hôtel du Parc Liège SA', country: 'BE', trade: 'hotel', street: 'Boulevard d’Avroy 19', postcode: '4000', city: 'Liège' },
  { name: 'Brussels Event Hall NV', country: 'BE', trade: 'software', street: 'Havenlaan 86C', postcode: '1000', city: 'Brussel' },
  { name: 'Bakkerij De Vries B.V.', country: 'NL', trade: 'bakery', street: 'Oudegracht 151', postcode: '3511 AK', city: 'Utrecht' },
  { name: 'Eetcafé Het Anker B.V.', country: 'NL', trade: 'cafe', street: 'Haven 12', postcode: '1131 EP', city: 'Volendam' },
  { name: 'Kantoorhuis Visser B.V.', country: 'NL', trade: 'stationery', street: 'Lange Viestraat 3', postcode: '3513 BA', city: 'Utrecht' },
  { name: 'Bakker Adviesgroep B.V.', country: 'NL', trade: 'consulting', street: 'Stationsplein 45', postcode: '3013 AK', city: 'Rotterdam' },
  { name: 'Hotel De Zwaan Zwolle B.V.', country: 'NL', trade: 'hotel', street: 'Melkmarkt 20', postcode: '8011 MC', city: 'Zwolle' },
  { name: 'Canalside Software B.V.', country: 'NL', trade: 'software', street: 'Keizersgracht 241', postcode: '1016 EA', city: 'Amsterdam' },
  { name: 'Tankstation Smit V.O.F.', country: 'NL', trade: 'fuel', street: 'Rijksstraatweg 230', postcode: '2022 DG', city: 'Haarlem' },
  { name: 'Bäckerei Müller GmbH', country: 'DE', trade: 'bakery', street: 'Leopoldstraße 63', postcode: '80802', city: 'München' },
  { name: 'Gasthaus Zur Linde GmbH', country: 'DE', trade: 'cafe', street: 'Marktplatz 4', postcode: '69117', city: 'Heidelberg' },
  { name: 'Schreibwaren Schneider e.K.', country: 'DE', trade: 'stationery', street: 'Hohe Straße 112', postcode: '50667', city: 'Köln' },
  { name: 'Weber IT-Service GmbH', country: 'DE', trade: 'consulting', street: 'Friedrichstraße 191', postcode: '10117', city: 'Berlin' },
  { name: 'Druckerei Fischer GmbH & Co. KG', country: 'DE', trade: 'printing', street: 'Am Sandtorkai 38', postcode: '20457', city: 'Hamburg' },
  { name: 'Hotel Krone Stuttgart GmbH', country: 'DE', trade: 'hotel', street: 'Königstraße 27', postcode: '70173', city: 'Stuttgart' },
  { name: 'Tankstelle Becker OHG', country: 'DE', trade: 'fuel', street: 'Aachener Straße 512', postcode: '50933', city: 'Köln' },
  { name: 'Boulangerie Martin SARL', country: 'FR', trade: 'bakery', street: '14 rue Mercière', postcode: '69002', city: 'Lyon' },
  { name: 'Brasserie Le Petit Zinc SAS', country: 'FR', trade: 'cafe', street: '11 rue Saint-Benoît', postcode: '75006', city: 'Paris' },
  { name: 'Papeterie Bernard SAS', country: 'FR', trade: 'stationery', street: '3 place du Capitole', postcode: '31000', city: 'Toulouse' },
  { name: 'Cabinet Durand Conseil SARL', country: 'FR', trade: 'consulting', street: '27 cours de l’Intendance', postcode: '33000', city: 'Bordeaux' },
  { name: 'Hôtel des Arts Lille SAS', country: 'FR', trade: 'hotel', street: '8 rue de la Monnaie', postcode: '59800', city: 'Lille' },
  { name: 'Imprimerie Roux et Fils SA', country: 'FR', trade: 'printing', street: '52 avenue Jean Jaurès', postcode: '67000', city: 'Strasbourg' },
  { name: 'Boulangerie Hoffmann S.à r.l.', country: 'LU', trade: 'bakery', street: '12, Grand-Rue', postcode: 'L-1660', city: 'Luxembourg' },
  { name: 'Café Wagner S.à r.l.', country: 'LU', trade: 'cafe', street: '5, place d’Armes', postcode: 'L-1136', city: 'Luxembourg' },
  { name: 'Schmit Consulting S.A.', country: 'LU', trade: 'consulting', street: '40, avenue John F. Kennedy', postcode: 'L-1855', city: 'Luxembourg' },
  { name: 'Kirchberg Cloud S.A.', country: 'LU', trade: 'software', street: '2, rue Albert Borschette', postcode: 'L-1246', city: 'Luxembourg' },
  { name: 'Papeterie Weis S.à r.l.', country: 'LU', trade: 'stationery', street: '23, rue de l’Alzette', postcode: 'L-4011', city: 'Esch-sur-Alzette' },
];

/** standard, reduced (meals, hotel rooms) and low (food to take away, books); LU has no rate under 8 here. */
export type RateClass = 'standard' | 'reduced' | 'low';

export const VAT_RATES: Record<VatCountry, Record<RateClass, string>> = {
  BE: { standard: '21', reduced: '12', low: '6' },
  NL: { standard: '21', reduced: '9', low: '9' },
  DE: { standard: '19', reduced: '7', low: '7' },
  FR: { standard: '20', reduced: '10', low: '5.5' },
  LU: { standard: '17', reduced: '8', low: '8' },
};

export interface CatalogueItem {
  names: Record<CorpusLanguage, string>;
  rate: RateClass;
  /** Unit price range in cents (incl. VAT on receipts, excl. VAT on invoices). */
  cents: readonly [number, number];
  /** Quantities it is bought in. */
  quantities: readonly number[];
}

const item = (
  nl: string,
  fr: string,
  de: string,
  en: string,
  rate: RateClass,
  cents: [number, number],
  quantities: number[] = [1, 1, 2, 3],
): CatalogueItem => ({
  names: { nl, fr, de, en },
  rate,
  cents,
  quantities,
});

export const ITEMS: Record<TradeKind, readonly CatalogueItem[]> = {
  bakery: [
    item('Volkorenbrood', 'Pain complet', 'Vollkornbrot', 'Wholemeal loaf', 'low', [240, 420]),
    item('Croissant', 'Croissant', 'Croissant', 'Croissant', 'low', [110, 180], [2, 4, 6]),
    item('Appeltaart', 'Tarte aux pommes', 'Apfelkuchen', 'Apple pie', 'low', [1250, 2100]),
    item('Pistolets', 'Petits pains', 'Brötchen', 'Bread rolls', 'low', [45, 70], [6, 8, 10, 12]),
    item('Koffie to go', 'Café à emporter', 'Kaffee to go', 'Coffee to go', 'standard', [250, 380]),
    item('Flesje water', 'Eau minérale', 'Mineralwasser', 'Bottled water', 'standard', [150, 260]),
    item('Draagtas', 'Sac réutilisable', 'Tragetasche', 'Carrier bag', 'standard', [50, 150]),
  ],
  cafe: [
    item('Dagschotel', 'Plat du jour', 'Tagesgericht', 'Dish of the day', 'reduced', [1450, 2200]),
    item('Tomatensoep', 'Soupe du jour', 'Tagessuppe', 'Soup of the day', 'reduced', [550, 850]),
    item('Croque monsieur', 'Croque-monsieur', 'Toast Hawaii', 'Toasted sandwich', 'reduced', [850, 1250]),
    item('Pils 25cl', 'Bière pression', 'Pils 0,3 l', 'Draught beer', 'standard', [280, 450], [1, 2, 3, 4]),
    item('Huiswijn glas', 'Verre de vin', 'Glas Hauswein', 'Glass of wine', 'standard', [520, 790], [1, 2]),
    item('Cappuccino', 'Cappuccino', 'Cappuccino', 'Cappuccino', 'reduced', [320, 420], [1, 2, 3]),
    item('Frisdrank', 'Soda', 'Limonade', 'Soft drink', 'standard', [290, 390], [1, 2]),
  ],
  stationery: [
    item('Schrift A4 gelijnd', 'Cahier A4 ligné', 'Heft A4 liniert', 'A4 ruled notebook', 'standard', [195, 450], [1, 2, 5]),
    item('Balpen blauw', 'Stylo bille bleu', 'Kugelschreiber blau', 'Blue ballpoint pen', 'standard', [120, 350], [2, 5, 10]),
    item('Printerpapier 500 vel', 'Ramette papier 500 f.', 'Druckerpapier 500 Bl.', 'Copy paper 500 sheets', 'standard', [549, 899], [1, 2, 5]),
    item('Boek: Handboek BTW', 'Livre : Guide de la TVA', 'Buch: Umsatzsteuer-Praxis', 'Book: VAT handbook', 'low', [2450, 4900]),
    item('Agenda 2026', 'Agenda 2026', 'Kalender 2026', 'Diary 2026', 'standard', [1295, 2495]),
    item('Krant', 'Journal', 'Tageszeitung', 'Newspaper', 'low', [250, 350]),
  ],
  fuel: [
    item('Euro 95 (liter)', 'SP95 (litre)', 'Super E10 (Liter)', 'Unleaded (litre)', 'standard', [179, 199], [32, 38, 41, 45]),
    item('Diesel (liter)', 'Gazole (litre)', 'Diesel (Liter)', 'Diesel (litre)', 'standard', [169, 189], [35, 44, 52]),
    item('Ruitenwisservloeistof', 'Lave-glace', 'Scheibenreiniger', 'Screen wash', 'standard', [499, 899]),
    item('Broodje kaas', 'Sandwich fromage', 'Käsebrötchen', 'Cheese sandwich', 'low', [349, 549]),
  ],
  consulting: [
    item(
      'Advies boekhouding (uur)',
      'Conseil comptable (heure)',
      'Beratung Buchhaltung (Std.)',
      'Accounting advice (hour)',
      'standard',
      [8500, 12500],
      [4, 6, 12, 16, 24],
    ),
    item('Jaarafsluiting', 'Clôture annuelle', 'Jahresabschluss', 'Year-end closing', 'standard', [95000, 185000], [1]),
    item('Workshop facturatie', 'Atelier facturation', 'Workshop Rechnungsstellung', 'Invoicing workshop', 'standard', [45000, 90000], [1, 2]),
    item('Reiskosten (km)', 'Frais de déplacement (km)', 'Fahrtkosten (km)', 'Travel (km)', 'standard', [35, 42], [48, 120, 236]),
    item('Vakliteratuur', 'Ouvrage de référence', 'Fachbuch', 'Reference book', 'low', [3900, 7900], [1, 2]),
  ],
  printing: [
    item('Visitekaartjes (500 st.)', 'Cartes de visite (500 ex.)', 'Visitenkarten (500 St.)', 'Business cards (500)', 'standard', [3900, 6900], [1, 2, 4]),
    item('Folders A5 (1000 st.)', 'Dépliants A5 (1000 ex.)', 'Flyer A5 (1000 St.)', 'A5 leaflets (1000)', 'standard', [14900, 28900], [1, 2, 3]),
    item('Brochure 24 p. (250 st.)', 'Brochure 24 p. (250 ex.)', 'Broschüre 24 S. (250 St.)', 'Brochure 24 pp. (250)', 'low', [62000, 98000], [1]),
    item('Grafisch ontwerp (uur)', 'Mise en page (heure)', 'Satz und Gestaltung (Std.)', 'Layout work (hour)', 'standard', [6500, 9500], [3, 5, 8]),
    item('Levering', 'Livraison', 'Lieferung', 'Delivery', 'standard', [1500, 4500]),
  ],
  hotel: [
    item('Overnachting standaardkamer', 'Nuitée chambre standard', 'Übernachtung Standardzimmer', 'Standard room (night)', 'reduced', [8900, 16900], [1, 2, 3]),
    item('Ontbijt', 'Petit-déjeuner', 'Frühstück', 'Breakfast', 'standard', [1450, 2450], [1, 2, 3]),
    item('Parking', 'Parking', 'Parkplatz', 'Parking', 'standard', [1500, 2900], [1, 2, 3]),
    item('Vergaderzaal halve dag', 'Salle de réunion demi-journée', 'Tagungsraum halbtags', 'Meeting room half day', 'standard', [19000, 35000], [1]),
    item('Diner', 'Dîner', 'Abendessen', 'Dinner', 'reduced', [3200, 5800], [1, 2]),
  ],
  software: [
    item('Licentie Pro (jaar)', 'Licence Pro (annuelle)', 'Lizenz Pro (jährlich)', 'Pro licence (annual)', 'standard', [48000, 240000], [1, 3, 5, 10]),
    item('Implementatie (uur)', 'Mise en œuvre (heure)', 'Implementierung (Std.)', 'Implementation (hour)', 'standard', [9500, 14500], [6, 10, 16]),
    item('Support-pakket', 'Forfait support', 'Supportpaket', 'Support plan', 'standard', [25000, 60000], [1]),
    item('E-book handleiding', 'Manuel numérique', 'E-Book Handbuch', 'User guide e-book', 'low', [1900, 3900], [1, 2]),
  ],
};

/** Buyers (the Tollgate account holders) named on some invoices, to make the supplier harder to find. */
export interface CatalogueBuyer {
  name: string;
  street: string;
  postcode: string;
  city: string;
  country: VatCountry;
}

export const BUYERS: readonly CatalogueBuyer[] = [
  { name: 'Studio Verbeke BV', street: 'Doorniksewijk 66', postcode: '8500', city: 'Kortrijk', country: 'BE' },
  { name: 'Atelier Claes SRL', street: 'Rue des Tanneurs 9', postcode: '7000', city: 'Mons', country: 'BE' },
  { name: 'Maes & Wouters CommV', street: 'Tiensestraat 140', postcode: '3000', city: 'Leuven', country: 'BE' },
  { name: 'Dekker Design B.V.', street: 'Witte Singel 21', postcode: '2311 BG', city: 'Leiden', country: 'NL' },
];

export const TRADE_IS_INVOICE: Record<TradeKind, boolean> = {
  bakery: false,
  cafe: false,
  stationery: false,
  fuel: false,
  consulting: true,
  printing: true,
  hotel: true,
  software: true,
};
