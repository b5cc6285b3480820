import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { b2bCommand, projectPath, PROJECT_ROOT } from '../../lib/projectPaths.js';

describe('projectPaths', () => {
  it('points at the installation, wherever the process runs from', () => {
    expect(existsSync(projectPath('package.json'))).toBe(true);
    expect(existsSync(projectPath('partners', 'p_001-acme-retail.yaml'))).toBe(true);
    expect(projectPath('a', 'b')).toBe(`${PROJECT_ROOT.replace(/\/$/, '')}/a/b`);
  });

  it('runs the CLI with this node and the bin shim', () => {
    const command = b2bCommand();
    expect(command.executable).toBe(process.execPath);
    expect(command.args).toEqual([projectPath('bin', 'b2b.js')]);
    expect(existsSync(command.args[0] ?? '')).toBe(true);
  });
});
