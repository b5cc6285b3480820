import type { PartnerRecord } from '../../contracts/ops/opsRecords.js';
import { errorMessage, RunError } from '../../lib/errors.js';
import type { SystemUnderTest } from './systemUnderTest.js';

/** What the SUT said before the first scenario: whether it is ready, and which partners it knows. */
export interface FirstContact {
  readyz: { status: number; body: unknown };
  /** GET /ops/partners, or undefined when the SUT does not offer it. */
  registeredPartners: PartnerRecord[] | undefined;
}

/** The SUT answers, and says which partners it knows; anything else stops the run cleanly. */
export async function firstContact(sut: SystemUnderTest): Promise<FirstContact> {
  try {
    const readyz = await sut.ops.get('/readyz');
    const partners = await sut.ops.get<{ items: PartnerRecord[] }>('/ops/partners');
    if (partners.status === 401) {
      throw new RunError(
        `the system under test at ${sut.url} refused the ops token (401 on /ops/partners); set B2B_OPS_TOKEN`,
      );
    }
    return {
      readyz,
      registeredPartners: partners.status === 200 ? partners.body.items : undefined,
    };
  } catch (error) {
    await sut.stop().catch(() => undefined);
    if (error instanceof RunError) throw error;
    const code = (error as { code?: string }).code;
    throw new RunError(
      `the system under test at ${sut.url} does not answer (${code ?? errorMessage(error)})`,
    );
  }
}
