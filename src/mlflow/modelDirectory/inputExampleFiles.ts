import { pythonJsonDumps } from './pythonJson';

/**
 * The two example files MLflow writes for a dict input example (its `json_object` type):
 * `input_example.json` on one line, and `serving_input_example.json`, the body to send to
 * `/invocations`, which for a dict is the same object indented by two.
 */
export const inputExampleFileName = 'input_example.json';
export const servingInputExampleFileName = 'serving_input_example.json';

export function inputExampleJson(example: Readonly<Record<string, unknown>>): string {
  return pythonJsonDumps(example);
}

export function servingInputExampleJson(example: Readonly<Record<string, unknown>>): string {
  return pythonJsonDumps(example, 2);
}
