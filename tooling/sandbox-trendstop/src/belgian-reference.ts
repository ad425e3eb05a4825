// Reference data the seed draws from: real municipalities and postcodes, KBO juridical form codes,
// NACE-BEL 2025 activities (NACE Rev. 2.1 classes with the Belgian fifth digit) with Dutch and French titles.

export type Language = 'nl' | 'fr';

export interface Municipality {
  postalCode: string;
  /** The name in the language of the address (Brussels: the language drawn for the company). */
  nl: string;
  fr: string;
  /** Which languages companies there use (Brussels: both). */
  languages: Language[];
  /** Trunk prefix of the landline zone, without the 0 (e.g. '9' for Gent: +32 9 …). */
  zone: string;
  /** Street names, each in both languages (the same outside Brussels). */
  streets: Array<Record<Language, string>>;
}

const same = (names: string[]): Array<Record<Language, string>> => names.map((name) => ({ nl: name, fr: name }));
const NL_STREETS = same([
  'Kerkstraat',
  'Stationsstraat',
  'Dorpsstraat',
  'Molenstraat',
  'Nieuwstraat',
  'Kapelstraat',
  'Schoolstraat',
  'Industrieweg',
  'Leopoldlaan',
  'Grote Markt',
  'Beekstraat',
  'Hoogstraat',
]);
const FR_STREETS = same([
  'Rue de la Station',
  "Rue de l'Église",
  'Chaussée de Bruxelles',
  'Rue du Moulin',
  'Rue Haute',
  'Avenue des Combattants',
  'Rue de la Gare',
  'Place du Marché',
  'Rue des Écoles',
  'Rue Saint-Martin',
]);
const BXL_STREETS: Array<Record<Language, string>> = [
  { nl: 'Nieuwstraat', fr: 'Rue Neuve' },
  { nl: 'Louizalaan', fr: 'Avenue Louise' },
  { nl: 'Hoogstraat', fr: 'Rue Haute' },
  { nl: 'Waversesteenweg', fr: 'Chaussée de Wavre' },
  { nl: 'Wetstraat', fr: 'Rue de la Loi' },
];

function nl(postalCode: string, name: string, zone: string): Municipality {
  return { postalCode, nl: name, fr: name, languages: ['nl'], zone, streets: NL_STREETS };
}
function fr(postalCode: string, name: string, zone: string): Municipality {
  return { postalCode, nl: name, fr: name, languages: ['fr'], zone, streets: FR_STREETS };
}
function bxl(postalCode: string, nlName: string, frName: string): Municipality {
  return { postalCode, nl: nlName, fr: frName, languages: ['nl', 'fr'], zone: '2', streets: BXL_STREETS };
}

export const MUNICIPALITIES: Municipality[] = [
  bxl('1000', 'Brussel', 'Bruxelles'),
  bxl('1030', 'Schaarbeek', 'Schaerbeek'),
  bxl('1050', 'Elsene', 'Ixelles'),
  bxl('1070', 'Anderlecht', 'Anderlecht'),
  bxl('1180', 'Ukkel', 'Uccle'),
  nl('2000', 'Antwerpen', '3'),
  nl('2300', 'Turnhout', '14'),
  nl('2440', 'Geel', '14'),
  nl('2500', 'Lier', '3'),
  nl('2800', 'Mechelen', '15'),
  nl('3000', 'Leuven', '16'),
  nl('3500', 'Hasselt', '11'),
  nl('3600', 'Genk', '89'),
  nl('8000', 'Brugge', '50'),
  nl('8400', 'Oostende', '59'),
  nl('8500', 'Kortrijk', '56'),
  nl('8800', 'Roeselare', '51'),
  nl('9000', 'Gent', '9'),
  nl('9100', 'Sint-Niklaas', '3'),
  nl('9200', 'Dendermonde', '52'),
  nl('9300', 'Aalst', '53'),
  nl('1800', 'Vilvoorde', '2'),
  nl('3300', 'Tienen', '16'),
  fr('1300', 'Wavre', '10'),
  fr('1348', 'Ottignies-Louvain-la-Neuve', '10'),
  fr('1400', 'Nivelles', '67'),
  fr('1410', 'Waterloo', '2'),
  fr('4000', 'Liège', '4'),
  fr('4800', 'Verviers', '87'),
  fr('5000', 'Namur', '81'),
  fr('6000', 'Charleroi', '71'),
  fr('6700', 'Arlon', '63'),
  fr('7000', 'Mons', '65'),
  fr('7100', 'La Louvière', '64'),
  fr('7500', 'Tournai', '69'),
];

export interface JuridicalForm {
  /** KBO JuridicalForm code (code table `JuridicalForm`). */
  code: string;
  abbreviation: Record<Language, string>;
  label: Record<Language, string>;
}

export const JURIDICAL_FORMS = {
  bv: { code: '610', abbreviation: { nl: 'BV', fr: 'SRL' }, label: { nl: 'Besloten vennootschap', fr: 'Société à responsabilité limitée' } },
  nv: { code: '014', abbreviation: { nl: 'NV', fr: 'SA' }, label: { nl: 'Naamloze vennootschap', fr: 'Société anonyme' } },
  vzw: { code: '017', abbreviation: { nl: 'VZW', fr: 'ASBL' }, label: { nl: 'Vereniging zonder winstoogmerk', fr: 'Association sans but lucratif' } },
  commv: { code: '612', abbreviation: { nl: 'CommV', fr: 'SComm' }, label: { nl: 'Commanditaire vennootschap', fr: 'Société en commandite' } },
  // KBO gives a natural person (TypeOfEnterprise 1) no juridical form; vendors show "eenmanszaak". The sandbox answers code '000'.
  eenmanszaak: {
    code: '000',
    abbreviation: { nl: '', fr: '' },
    label: { nl: 'Eenmanszaak (natuurlijk persoon)', fr: 'Entreprise individuelle (personne physique)' },
  },
} satisfies Record<string, JuridicalForm>;

export type FormKey = keyof typeof JURIDICAL_FORMS;

export interface Activity {
  /** NACE-BEL 2025 code, `XX.XXX`. */
  code: string;
  label: Record<Language, string>;
  /** Company names for this trade, from a surname. */
  names: Record<Language, (surname: string) => string>;
  /** Legal forms drawn for it, weighted by repetition. */
  forms: FormKey[];
}

const activity = (
  code: string,
  labelNl: string,
  labelFr: string,
  nameNl: (s: string) => string,
  nameFr: (s: string) => string,
  forms: FormKey[],
): Activity => ({
  code,
  label: { nl: labelNl, fr: labelFr },
  names: { nl: nameNl, fr: nameFr },
  forms,
});

export const ACTIVITIES: Activity[] = [
  activity(
    '01.130',
    'Teelt van groenten, meloenen, wortel- en knolgewassen',
    'Culture de légumes, de melons, de racines et de tubercules',
    (s) => `Groenteteelt ${s}`,
    (s) => `Maraîchage ${s}`,
    ['eenmanszaak', 'bv'],
  ),
  activity(
    '10.710',
    'Vervaardiging van brood en van vers banketbakkerswerk',
    'Fabrication de pain et de pâtisserie fraîche',
    (s) => `Bakkerij ${s}`,
    (s) => `Boulangerie ${s}`,
    ['eenmanszaak', 'bv', 'bv'],
  ),
  activity(
    '41.000',
    'Bouw van residentiële en niet-residentiële gebouwen',
    'Construction de bâtiments résidentiels et non résidentiels',
    (s) => `${s} Bouw`,
    (s) => `Construction ${s}`,
    ['bv', 'nv', 'bv'],
  ),
  activity(
    '43.210',
    'Elektrotechnische installatiewerken',
    "Travaux d'installation électrotechnique",
    (s) => `${s} Elektro`,
    (s) => `Électricité ${s}`,
    ['eenmanszaak', 'bv', 'commv'],
  ),
  activity(
    '43.220',
    'Loodgieterswerk, installatie van verwarming en klimaatregeling',
    "Travaux de plomberie, installation de chauffage et de conditionnement d'air",
    (s) => `Sanitair ${s}`,
    (s) => `Chauffage ${s}`,
    ['eenmanszaak', 'bv'],
  ),
  activity(
    '47.110',
    'Detailhandel in niet-gespecialiseerde winkels met voedingsmiddelen',
    'Commerce de détail en magasin non spécialisé à prédominance alimentaire',
    (s) => `Buurtwinkel ${s}`,
    (s) => `Supérette ${s}`,
    ['bv', 'eenmanszaak'],
  ),
  activity(
    '47.730',
    'Detailhandel in farmaceutische producten',
    'Commerce de détail de produits pharmaceutiques',
    (s) => `Apotheek ${s}`,
    (s) => `Pharmacie ${s}`,
    ['bv', 'commv'],
  ),
  activity(
    '49.410',
    'Goederenvervoer over de weg',
    'Transports routiers de fret',
    (s) => `Transport ${s}`,
    (s) => `Transports ${s}`,
    ['nv', 'bv'],
  ),
  activity(
    '55.100',
    'Hotels en dergelijke accommodatie',
    'Hôtels et hébergement similaire',
    (s) => `Hotel ${s}`,
    (s) => `Hôtel ${s}`,
    ['nv', 'bv'],
  ),
  activity(
    '56.110',
    'Restaurantactiviteiten',
    'Activités des restaurants',
    (s) => `Brasserie ${s}`,
    (s) => `Restaurant ${s}`,
    ['bv', 'eenmanszaak', 'commv'],
  ),
  activity(
    '56.300',
    'Cafés en bars',
    'Débits de boissons',
    (s) => `Café ${s}`,
    (s) => `Café ${s}`,
    ['eenmanszaak', 'bv'],
  ),
  activity(
    '62.100',
    'Computerprogrammering',
    'Programmation informatique',
    (s) => `${s} Software`,
    (s) => `${s} Informatique`,
    ['bv', 'bv', 'nv'],
  ),
  activity(
    '62.200',
    'Computerconsultancy en beheer van computerfaciliteiten',
    'Conseil informatique et gestion des installations informatiques',
    (s) => `${s} IT Consult`,
    (s) => `${s} Conseil IT`,
    ['bv', 'commv'],
  ),
  activity(
    '68.200',
    'Verhuur en exploitatie van eigen of geleasd onroerend goed',
    'Location et exploitation de biens immobiliers propres ou loués',
    (s) => `Immo ${s}`,
    (s) => `Immo ${s}`,
    ['bv', 'nv', 'commv'],
  ),
  activity(
    '69.100',
    'Rechtskundige activiteiten',
    'Activités juridiques',
    (s) => `Advocatenkantoor ${s}`,
    (s) => `Cabinet d'avocats ${s}`,
    ['bv', 'eenmanszaak'],
  ),
  activity(
    '69.200',
    'Boekhouding, boekhoudkundige controle en belastingconsulentschap',
    'Activités comptables, audit et conseil fiscal',
    (s) => `Boekhoudkantoor ${s}`,
    (s) => `Fiduciaire ${s}`,
    ['bv', 'bv', 'commv'],
  ),
  activity(
    '70.200',
    'Advies op het gebied van bedrijfsbeheer',
    'Conseil pour les affaires et autres conseils de gestion',
    (s) => `${s} Consulting`,
    (s) => `${s} Consulting`,
    ['bv', 'commv', 'nv'],
  ),
  activity(
    '71.110',
    'Architecten',
    "Activités d'architecture",
    (s) => `Architectenbureau ${s}`,
    (s) => `Bureau d'architecture ${s}`,
    ['bv', 'eenmanszaak'],
  ),
  activity(
    '73.110',
    'Reclamebureaus',
    'Activités des agences de publicité',
    (s) => `Studio ${s}`,
    (s) => `Agence ${s}`,
    ['bv', 'nv'],
  ),
  activity(
    '74.100',
    'Gespecialiseerde ontwerpactiviteiten',
    'Activités spécialisées de design',
    (s) => `Ontwerpstudio ${s}`,
    (s) => `Atelier ${s} Design`,
    ['eenmanszaak', 'bv'],
  ),
  activity(
    '81.210',
    'Algemene reiniging van gebouwen',
    'Nettoyage courant des bâtiments',
    (s) => `Schoonmaak ${s}`,
    (s) => `Nettoyage ${s}`,
    ['bv', 'nv'],
  ),
  activity(
    '85.590',
    'Overig onderwijs',
    'Autres activités d’enseignement',
    (s) => `Vormingscentrum ${s}`,
    (s) => `Centre de formation ${s}`,
    ['vzw', 'bv'],
  ),
  activity(
    '86.210',
    'Activiteiten van huisartsen',
    'Activités des médecins généralistes',
    (s) => `Huisartsenpraktijk ${s}`,
    (s) => `Cabinet médical ${s}`,
    ['bv', 'eenmanszaak'],
  ),
  activity(
    '88.910',
    'Kinderopvang',
    'Accueil de jeunes enfants',
    (s) => `Kinderdagverblijf ${s}`,
    (s) => `Crèche ${s}`,
    ['vzw', 'bv'],
  ),
  activity(
    '93.120',
    'Activiteiten van sportclubs',
    'Activités de clubs de sports',
    (s) => `Sportclub ${s}`,
    (s) => `Club sportif ${s}`,
    ['vzw'],
  ),
  activity(
    '94.991',
    'Activiteiten van verenigingen',
    'Activités des associations',
    (s) => `Vereniging ${s}`,
    (s) => `Cercle ${s}`,
    ['vzw'],
  ),
  activity(
    '95.310',
    'Onderhoud en reparatie van motorvoertuigen',
    'Entretien et réparation de véhicules automobiles',
    (s) => `Garage ${s}`,
    (s) => `Garage ${s}`,
    ['bv', 'eenmanszaak', 'commv'],
  ),
  activity(
    '96.210',
    'Haarverzorging en barbiers',
    'Coiffure et barbiers',
    (s) => `Kapsalon ${s}`,
    (s) => `Salon de coiffure ${s}`,
    ['eenmanszaak', 'bv'],
  ),
];

export const SURNAMES: Record<Language, string[]> = {
  nl: [
    'Peeters',
    'Janssens',
    'Maes',
    'Jacobs',
    'Mertens',
    'Willems',
    'Claes',
    'Goossens',
    'Wouters',
    'De Smet',
    'Vermeulen',
    'Van Damme',
    'De Backer',
    'Pauwels',
    'Hermans',
    'Aerts',
    'Michiels',
    'Verstraete',
    'Lambrechts',
    'Van den Broeck',
    'Vandenberghe',
    'De Clercq',
  ],
  fr: [
    'Dubois',
    'Lambert',
    'Dupont',
    'Martin',
    'Simon',
    'Laurent',
    'Leclercq',
    'Lejeune',
    'Renard',
    'Lemaire',
    'François',
    'Mathieu',
    'Denis',
    'Dumont',
    'Gérard',
    'Leroy',
    'Fontaine',
    'Collard',
    'Lecomte',
    'Hubert',
  ],
};

export const FIRST_NAMES: Record<Language, string[]> = {
  nl: ['Jan', 'Pieter', 'Els', 'An', 'Koen', 'Sofie', 'Tom', 'Lies', 'Wim', 'Katrien', 'Bart', 'Ine', 'Joris', 'Hanne', 'Dirk', 'Marleen'],
  fr: ['Jean', 'Marie', 'Pierre', 'Sophie', 'Luc', 'Isabelle', 'Nicolas', 'Julie', 'Philippe', 'Catherine', 'Thomas', 'Céline', 'Olivier', 'Nathalie'],
};

/** The role of the contact person, by legal form. */
export const CONTACT_ROLES: Record<FormKey, Record<Language, string>> = {
  bv: { nl: 'Bestuurder', fr: 'Administrateur' },
  nv: { nl: 'Gedelegeerd bestuurder', fr: 'Administrateur délégué' },
  vzw: { nl: 'Voorzitter', fr: 'Président' },
  commv: { nl: 'Zaakvoerder', fr: 'Gérant' },
  eenmanszaak: { nl: 'Zaakvoerder', fr: 'Gérant' },
};

/** RSZ/ONSS employee classes as company-data vendors show them. */
export const EMPLOYEE_CLASSES = ['0', '1-4', '5-9', '10-19', '20-49', '50-99', '100-199', '200-499', '500-999', '1000+'] as const;
export type EmployeesClass = (typeof EMPLOYEE_CLASSES)[number];
