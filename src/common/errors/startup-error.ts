/**
 * A start-up failure the operator can fix from the environment: its message
 * names the variable. main.ts prints the message alone (no stack: it would
 * only bury the name) and exits 1.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
