import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { MlflowError } from '../../../src/mlflow/errors';
import {
  chatTemplateJson,
  fillTemplate,
  isJinjaTemplate,
  type PromptTemplate,
  templateVariables,
} from '../../../src/mlflow/prompts/promptTemplate';
import { formatPromptUri, type PromptReference, parsePromptUri } from '../../../src/mlflow/prompts/promptUris';
import { runMlflowPython } from '../../harness/mlflowPython';

interface TemplateCase {
  readonly template: PromptTemplate;
  readonly values: Record<string, string>;
  readonly allowPartial?: boolean;
}

/** MLflow 3.17's own answers: PromptVersion.variables and .format(), json.dumps of a chat template, _parse_model_uri. */
const oracle = `
import json, sys
from mlflow.entities.model_registry.prompt_version import PromptVersion
from mlflow.store.artifact.utils.models import _parse_model_uri
data = json.loads(sys.argv[1])
templates = []
for case in data['templates']:
    version = PromptVersion('t', 1, case['template'])
    answer = {'variables': sorted(version.variables), 'stored': version._tags['mlflow.prompt.text']}
    try:
        filled = version.format(allow_partial=case.get('allowPartial', False), **case['values'])
        answer['filled'] = filled.template if isinstance(filled, PromptVersion) else filled
    except Exception as error:
        answer['error'] = type(error).__name__
    templates.append(answer)
uris = []
for uri in data['uris']:
    try:
        parsed = _parse_model_uri(uri, scheme='prompts')
        if parsed.version is not None:
            uris.append({'name': parsed.name, 'version': parsed.version})
        elif parsed.alias is not None:
            uris.append({'name': parsed.name, 'alias': parsed.alias})
        else:
            # MlflowClient.parse_prompt_uri refuses the rest (a bare name is a model id's form).
            uris.append({'error': 'MlflowException'})
    except Exception as error:
        uris.append({'error': type(error).__name__})
print(json.dumps({'templates': templates, 'uris': uris}))
`;

const chat = (...messages: [string, string][]) => messages.map(([role, content]) => ({ role, content }));

const templateCases: TemplateCase[] = [
  { template: 'Hello {{ name }}, welcome to {{place}}!', values: { name: 'Ada', place: 'Paris' } },
  // Spaces inside the braces as Python's \s reads them: tabs, newlines, U+00A0, U+001C and U+0085 are; U+FEFF is not.
  { template: '{{\tname\n}} {{\u00a0a\u3000}} {{\u001cb\u0085}} {{\ufeffc}} {{  d  }}', values: { name: 'N', a: 'A', b: 'B', d: 'D' } },
  // Dotted names, and what is no variable: a digit first, a space after the dot, a hyphen, three braces.
  { template: '{{ user.name }} {{ 1abc }} {{ user. name }} {{ a-b }} {{{ x }}} {{}}', values: { 'user.name': 'U', x: 'X' } },
  // A dot in a name matches any character, as in MLflow: both places get the first value.
  { template: '{{ user.name }} and {{ userXname }}', values: { 'user.name': 'A', userXname: 'B' } },
  // Values go in as they are, backslashes, $& and \\g<0> included; the same variable twice gets it twice.
  { template: '{{ a }}|{{ b }}|{{ a }}', values: { a: 'C:\\temp\\new $& \\1', b: '\\g<0> é 😀' } },
  // Values are put in one after another: one holding {{ b }} is filled by b's value after it.
  { template: '{{ a }} {{ b }}', values: { a: '{{ b }}', b: 'bee' } },
  { template: '{{ a }} {{ b }}', values: { b: 'bee', a: '{{ b }}' } },
  // A missing variable fails, unless partial; a value for a name the template lacks is ignored.
  { template: 'Hi {{ name }} from {{ place }}', values: { name: 'Ada', extra: 'x' } },
  { template: 'Hi {{ name }} from {{ place }}', values: { name: 'Ada' }, allowPartial: true },
  { template: 'No variables at all', values: {} },
  // Chat prompts: variables are found in the JSON MLflow stores (roles too; a newline inside the
  // braces is `\n` there, so no variable), and only the contents are filled.
  {
    template: chat(['system', 'You are a {{ style }} assistant. «ñ»'], ['user', '{{question}}\n"quoted" {{\nq}}']),
    values: { style: 'terse', question: 'Why?', q: 'Q' },
  },
  { template: chat(['system', 'You are a {{ style }} assistant.'], ['user', '{{question}}']), values: { style: 'terse' } },
  { template: chat(['{{ who }}', 'Hello {{ name }}']), values: { name: 'Ada' } },
  { template: chat(['{{ who }}', 'Hello {{ name }}']), values: { name: 'Ada', who: 'ignored' } },
];

const uriCases = [
  'prompts:/greet/1',
  'prompts:/greet/007',
  'prompts:/greet@prod',
  'prompts:/greet@latest',
  'prompts:/my.prompt-v2_x@champion',
  'prompts:/a@b@c',
  'prompts:/a@b/3',
  'PROMPTS:/greet/2',
  'prompts:///greet/3',
  'prompts://host/greet/4',
  'prompts:/greet/5?x=1',
  ' prompts:/greet/6',
  'prompts:/gr\teet/7',
  'prompts:/greet',
  'prompts:/greet/latest',
  'prompts:/greet/Production',
  'prompts:/greet/1/2',
  'prompts:/greet@',
  'prompts:/greet@ ',
  'prompts:/',
  'prompts:greet/1',
  'models:/greet/1',
  'prompts:/ /1',
  'prompts:/greet/ ',
  'prompts:/greet/1#x',
];

describe('prompt templates and URIs, as MLflow 3.17 reads them', () => {
  let expected: {
    templates: Array<{ variables: string[]; stored: string; filled?: PromptTemplate; error?: string }>;
    uris: Array<PromptReference | { error: string }>;
  };

  before(async () => {
    expected = await runMlflowPython(oracle, { templates: templateCases, uris: uriCases });
  });

  it('finds the variables MLflow finds, in the order they first appear', () => {
    assert.deepEqual(
      templateCases.map((c) => [...templateVariables(c.template)].sort()),
      expected.templates.map((e) => e.variables),
    );
    assert.deepEqual(templateVariables('{{ b }} {{ a }} {{b}}'), ['b', 'a']);
    // The cases are not all alike: the whitespace case has exactly the variables Python's \s allows.
    assert.deepEqual(expected.templates[1]!.variables, ['a', 'b', 'd', 'name']);
    assert.deepEqual(expected.templates[2]!.variables, ['user.name', 'x']);
  });

  it('stores a chat template as the JSON MLflow stores', () => {
    templateCases.forEach((c, index) => {
      if (typeof c.template !== 'string') assert.equal(chatTemplateJson(c.template), expected.templates[index]!.stored, `case ${index}`);
    });
  });

  it('fills templates as PromptVersion.format() does, failing where it fails', () => {
    templateCases.forEach((c, index) => {
      const want = expected.templates[index]!;
      if (want.error) {
        assert.equal(want.error, 'MlflowException', `case ${index}`);
        assert.throws(
          () => fillTemplate(c.template, c.values, { allowPartial: c.allowPartial }),
          (error: unknown) =>
            error instanceof MlflowError && error.kind === 'invalid' && /^The prompt's variables .+ have no value$/.test(error.message),
          `case ${index}`,
        );
      } else {
        assert.deepEqual(fillTemplate(c.template, c.values, { allowPartial: c.allowPartial }), want.filled, `case ${index}`);
      }
    });
    assert.deepEqual(
      expected.templates.map((e) => e.error ?? 'ok'),
      ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'MlflowException', 'ok', 'ok', 'ok', 'MlflowException', 'MlflowException', 'ok'],
    );
    assert.equal(fillTemplate('{{ a }} {{ b }}', { a: '{{ b }}', b: 'bee' }), 'bee bee');
    assert.equal(fillTemplate('{{ a }} {{ b }}', { b: 'bee', a: '{{ b }}' }), '{{ b }} bee');
  });

  it('refuses what it cannot fill the way MLflow would: Jinja2 templates and names read as other patterns', () => {
    assert.equal(isJinjaTemplate('Hi {% if name %}{{ name }}{% endif %}'), true);
    assert.equal(isJinjaTemplate(chat(['user', 'plain'])), false);
    assert.equal(isJinjaTemplate(chat(['user', 'plain'], ['user', '{% for x in xs %}{{ x }}{% endfor %}'])), true);
    assert.throws(
      () => fillTemplate('Hi {% if name %}{{ name }}{% endif %}', { name: 'Ada' }),
      (error: unknown) => error instanceof MlflowError && error.kind === 'unsupported',
    );
    assert.throws(
      () => fillTemplate('{{ a }}', { a: 'x', 'b+': 'y' }),
      (error: unknown) =>
        error instanceof MlflowError && error.kind === 'invalid' && error.message.startsWith('"b+" cannot be a variable\'s name'),
    );
  });

  it('parses prompt URIs as MLflow does, and formats them back', () => {
    const parsed = uriCases.map((uri) => {
      try {
        return parsePromptUri(uri);
      } catch (error) {
        assert.ok(error instanceof MlflowError && error.kind === 'invalid', uri);
        return { error: 'MlflowException' };
      }
    });
    // Python's empty-name alias would go to the server; here it is refused at once (no case has one).
    assert.deepEqual(parsed, expected.uris);
    assert.deepEqual(
      expected.uris.map((u) => ('error' in u ? 'error' : 'ok')),
      [
        'ok',
        'ok',
        'ok',
        'ok',
        'ok',
        'ok',
        'ok',
        'ok',
        'ok',
        'ok',
        'ok',
        'ok',
        'ok',
        'error',
        'error',
        'error',
        'error',
        'error',
        'error',
        'error',
        'error',
        'error',
        'error',
        'error',
        'error',
      ],
    );
    assert.equal(formatPromptUri({ name: 'greet', version: '3' }), 'prompts:/greet/3');
    assert.equal(formatPromptUri({ name: 'greet', alias: 'prod' }), 'prompts:/greet@prod');
    assert.deepEqual(parsePromptUri(formatPromptUri({ name: 'my.prompt-v2_x', alias: 'champion' })), {
      name: 'my.prompt-v2_x',
      alias: 'champion',
    });
  });
});
