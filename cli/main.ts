import { Command, CommanderError } from 'commander';
import { ConfigError, RunError, UsageError } from '../lib/errors.js';
import { EXIT } from './exitCodes.js';
import { certifyCommand } from './commands/certify.js';
import { evidenceCommand } from './commands/evidence.js';
import { pipelineCommand } from './commands/pipeline.js';
import { scenariosCommand } from './commands/scenarios.js';
import { simCommand } from './commands/sim.js';

const program = new Command('b2b')
  .description(
    'Certify B2B partner integrations: fake partners, fault injection, MAE scenarios, signed evidence.',
  )
  .showHelpAfterError()
  .exitOverride();

program.addCommand(certifyCommand());
program.addCommand(scenariosCommand());
program.addCommand(pipelineCommand());
program.addCommand(simCommand());
program.addCommand(evidenceCommand());
// Every command, not only the root, must throw instead of exiting, so usage errors exit with 2.
for (const command of allCommands(program))
  command.exitOverride().showHelpAfterError('(add --help for usage)');

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeFor(error);
}

function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // --help and --version end the program normally; anything else commander rejects is usage.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof UsageError || error instanceof ConfigError) {
    process.stderr.write(`b2b: ${error.message}\n`);
    return EXIT.usage;
  }
  if (error instanceof RunError) {
    // The run could not be carried out: say why, without a stack trace.
    process.stderr.write(`b2b: ${error.message}\n`);
    return EXIT.failed;
  }
  process.stderr.write(
    `b2b: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return EXIT.failed;
}
