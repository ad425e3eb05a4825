import { z } from 'zod';

const enterpriseNumber = z.string().regex(/^[01]\d{9}$/);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const isoTime = z.string().refine((value) => !Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}T/.test(value), 'an ISO 8601 time');

// Unknown extra fields are allowed (a vendor may add some); missing or mistyped ones are not.
export const subscriptionSchema = z.object({
  customerId: z.string().min(1),
  formula: z.string().min(1),
  exportRights: z.boolean(),
  exportsThisMonth: z.number().int().min(0),
});

export const availabilitySchema = z.object({
  enterpriseNumber,
  name: z.string().min(1),
  available: z.object({
    phone: z.boolean(),
    contactPerson: z.boolean(),
    naceCode: z.boolean(),
    legalForm: z.boolean(),
    address: z.boolean(),
    foundedOn: z.boolean(),
    employeesClass: z.boolean(),
  }),
});

export const companyExportSchema = z.object({
  exportId: z.string().min(1),
  enterpriseNumber,
  vatNumber: z.string().regex(/^BE[01]\d{9}$/),
  name: z.string().min(1),
  legalForm: z.object({ code: z.string().min(1), label: z.string().min(1) }).nullable(),
  nace: z.object({ code: z.string().regex(/^\d{2}\.\d{3}$/), version: z.literal('2025'), label: z.string().min(1) }).nullable(),
  address: z
    .object({
      street: z.string().min(1),
      houseNumber: z.string().min(1),
      box: z.string().min(1).nullable(),
      postalCode: z.string().regex(/^\d{4}$/),
      municipality: z.string().min(1),
      country: z.literal('BE'),
    })
    .nullable(),
  phone: z
    .string()
    .regex(/^\+32\d{8,9}$/)
    .nullable(),
  contactPerson: z.object({ name: z.string().min(1), role: z.string().min(1) }).nullable(),
  foundedOn: isoDate.nullable(),
  employeesClass: z.string().min(1).nullable(),
  retrievedAt: isoTime,
});

export const errorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string().optional(), formula: z.string().optional() }) });

export type TrendsTopSubscription = z.infer<typeof subscriptionSchema>;
export type CompanyAvailability = z.infer<typeof availabilitySchema>;
export type CompanyExport = z.infer<typeof companyExportSchema>;
