import { describe, expect, it } from 'vitest';
import {
  type Json,
  plainText,
  type RenderContext,
  renderBlock,
  renderBlocks,
  renderButton,
  renderMessageBody,
  renderModal,
  renderText,
} from '../../src/sandbox/page/blockkit.js';
import { decodeSlackEntities, escapeHtml, type MrkdwnContext, renderMrkdwn } from '../../src/sandbox/page/mrkdwn.js';

/** 2026-01-01T12:00:00Z, a Thursday. */
const NOON = 1767268800;
const ctx: MrkdwnContext = {
  users: { U0ALICE: 'alice', U0BOB: 'bob', UBOT: 'rodizio' },
  usergroups: { S0ONCALL: 'oncall', S0REVIEWERS: 'reviewers' },
  channels: { C0AGENTS: 'agents', C0ONCALL: 'oncall' },
  timeZone: 'UTC',
  now: Date.UTC(2026, 0, 1, 8, 30),
};
const md = (text: string, extra: MrkdwnContext = {}) => renderMrkdwn(text, { ...ctx, ...extra });
const link = (href: string, text: string) => `<a href="${href}" target="_blank" rel="noopener noreferrer">${text}</a>`;
const mention = (text: string) => `<span class="mention">${text}</span>`;

/** Every `<` in the output opens a tag the converter writes itself, with only its own attributes. */
function expectOnlyOwnTags(html: string) {
  const own =
    /^<(\/?(b|i|s|code|pre|blockquote|br|span|time|a)|pre class="code-block"|span class="mention"|time class="date" datetime="[^"]*" title="[^"]*"|a href="(https?:|mailto:)[^"]*" target="_blank" rel="noopener noreferrer")>$/;
  for (const tag of html.match(/<[^>]*>?/g) ?? []) expect(tag).toMatch(own);
}

describe('renderMrkdwn: text styles', () => {
  it('renders bold, italic, strike and inline code', () => {
    expect(md('*bold* _italic_ ~strike~ `code`')).toBe('<b>bold</b> <i>italic</i> <s>strike</s> <code>code</code>');
  });

  it('nests styles properly', () => {
    expect(md('*bold _and italic_*')).toBe('<b>bold <i>and italic</i></b>');
    expect(md('_*both*_')).toBe('<i><b>both</b></i>');
    expect(md('~*gone*~')).toBe('<s><b>gone</b></s>');
  });

  it('keeps crossing markers well nested', () => {
    const html = md('*a _b* c_');
    expect(html).toBe('<b>a _b</b> c_');
  });

  it('needs word boundaries around markers', () => {
    expect(md('snake_case_name')).toBe('snake_case_name');
    expect(md('2*3*4')).toBe('2*3*4');
    expect(md('a~b~c')).toBe('a~b~c');
    expect(md('*bold*s')).toBe('*bold*s');
    expect(md('(*bold*), _it_.')).toBe('(<b>bold</b>), <i>it</i>.');
    expect(md('über*x*')).toBe('über*x*');
  });

  it('needs non-space next to the markers', () => {
    expect(md('a * b * c')).toBe('a * b * c');
    expect(md('* not bold*')).toBe('* not bold*');
    expect(md('*not bold *')).toBe('*not bold *');
    expect(md('**')).toBe('**');
  });

  it('keeps a doubled marker as text around the styled word', () => {
    expect(md('**x**')).toBe('*<b>x</b>*');
  });

  it('does not style across lines', () => {
    expect(md('*one\ntwo*')).toBe('*one<br>two*');
  });

  it('does not style inside code', () => {
    expect(md('`*not bold* _x_`')).toBe('<code>*not bold* _x_</code>');
    expect(md('```*x*\n_y_```')).toBe('<pre class="code-block">*x*\n_y_</pre>');
  });

  it('styles text around mentions and links', () => {
    expect(md('*<@U0ALICE>*')).toBe(`<b>${mention('@alice')}</b>`);
    expect(md('_see <https://x.test|this>_')).toBe(`<i>see ${link('https://x.test', 'this')}</i>`);
  });

  it('stays linear on long lines of unmatched markers', () => {
    const text = ' *a'.repeat(20_000);
    const start = performance.now();
    expect(md(text)).toBe(text);
    expect(performance.now() - start).toBeLessThan(1000);
  });
});

describe('renderMrkdwn: blocks of text', () => {
  it('turns newlines into <br>', () => {
    expect(md('one\ntwo\n\nthree')).toBe('one<br>two<br><br>three');
  });

  it('renders code blocks, trimming the newline after the fence', () => {
    expect(md('```\nconst a = 1;\nconst b = 2;\n```')).toBe('<pre class="code-block">const a = 1;\nconst b = 2;</pre>');
    expect(md('run:\n```npm test```\ndone')).toBe('run:<br><pre class="code-block">npm test</pre><br>done');
  });

  it('decodes entities inside code once', () => {
    expect(md('`a &lt; b &amp;&amp; c`')).toBe('<code>a &lt; b &amp;&amp; c</code>');
    expect(md('```if (a &gt; b) {}```')).toBe('<pre class="code-block">if (a &gt; b) {}</pre>');
  });

  it('groups consecutive quoted lines (raw > or escaped &gt;)', () => {
    expect(md('&gt; first\n> second\nafter')).toBe('<blockquote>first<br>second</blockquote>after');
    expect(md('before\n> *quoted*')).toBe('before<blockquote><b>quoted</b></blockquote>');
  });

  it('quotes everything after >>>', () => {
    expect(md('intro\n&gt;&gt;&gt; all\nof this')).toBe('intro<blockquote>all<br>of this</blockquote>');
  });

  it('does not quote a > in the middle of a line or an escaped entity', () => {
    expect(md('a &gt; b')).toBe('a &gt; b');
    expect(md('&amp;gt; not a quote')).toBe('&amp;gt; not a quote');
  });
});

describe('renderMrkdwn: links and mentions', () => {
  it('renders links with and without labels', () => {
    expect(md('<https://example.com|Example>')).toBe(link('https://example.com', 'Example'));
    expect(md('<https://example.com>')).toBe(link('https://example.com', 'https://example.com'));
    expect(md('<mailto:a@b.test|mail>')).toBe(link('mailto:a@b.test', 'mail'));
  });

  it('decodes entities in URLs and labels, then escapes them', () => {
    expect(md('<https://x.test/?a=1&amp;b=2|Q &amp; A &lt;3>')).toBe(
      link('https://x.test/?a=1&amp;b=2', 'Q &amp; A &lt;3'),
    );
  });

  it('never links unsafe schemes', () => {
    expect(md('<javascript:alert(1)|click me>')).toBe('click me');
    expect(md('<javascript:alert(1)>')).toBe('javascript:alert(1)');
    expect(md('<data:text/html,<b>x</b>|x>')).not.toContain('href');
  });

  it('cannot break out of the href attribute', () => {
    const html = md('<https://x.test/"onmouseover="alert(1)|x>');
    expect(html).toBe(link('https://x.test/&quot;onmouseover=&quot;alert(1)', 'x'));
  });

  it('resolves user mentions from the users map', () => {
    expect(md('hi <@U0ALICE> and <@U0BOB>')).toBe(`hi ${mention('@alice')} and ${mention('@bob')}`);
    expect(md('<@U0NOBODY>')).toBe(mention('@U0NOBODY'));
    expect(md('<@U0NOBODY|zed>')).toBe(mention('@zed'));
  });

  it('resolves user groups', () => {
    expect(md('<!subteam^S0ONCALL>')).toBe(mention('@oncall'));
    expect(md('<!subteam^S0OTHER|@others>')).toBe(mention('@others'));
    expect(md('<!subteam^S0OTHER>')).toBe(mention('@S0OTHER'));
  });

  it('resolves channels', () => {
    expect(md('<#C0AGENTS>')).toBe(mention('#agents'));
    expect(md('<#C0AGENTS|renamed>')).toBe(mention('#agents'));
    expect(md('<#C0ELSE|elsewhere>')).toBe(mention('#elsewhere'));
    expect(md('<#C0ELSE|>')).toBe(mention('#C0ELSE'));
  });

  it('renders @here, @channel and @everyone', () => {
    expect(md('<!here> <!channel> <!everyone> <!here|here>')).toBe(
      [mention('@here'), mention('@channel'), mention('@everyone'), mention('@here')].join(' '),
    );
  });

  it('escapes names from the maps', () => {
    expect(md('<@U0X>', { users: { U0X: '<img src=x onerror=alert(1)>' } })).toBe(
      mention('@&lt;img src=x onerror=alert(1)&gt;'),
    );
  });

  it('shows unknown special commands by their label', () => {
    expect(md('<!foo|fallback>')).toBe('fallback');
    expect(md('<!foo>')).toBe('&lt;!foo&gt;');
  });
});

describe('renderMrkdwn: dates', () => {
  const date = (format: string, fallback = 'fb', extra: MrkdwnContext = {}) =>
    md(`<!date^${NOON}^${format}|${fallback}>`, extra);
  const time = (text: string, title = 'fb') =>
    `<time class="date" datetime="2026-01-01T12:00:00.000Z" title="${title}">${text}</time>`;

  it('formats every token in the given time zone', () => {
    expect(date('{date_num}')).toBe(time('2026-01-01'));
    expect(date('{date}')).toBe(time('January 1st, 2026'));
    expect(date('{date_short}')).toBe(time('Jan 1, 2026'));
    expect(date('{date_long}')).toBe(time('Thursday, January 1st, 2026'));
    expect(date('{time}')).toBe(time('12:00 PM'));
    expect(date('{time_secs}')).toBe(time('12:00:00 PM'));
  });

  it('says today, yesterday and tomorrow in the pretty forms', () => {
    expect(date('{date_pretty}')).toBe(time('today'));
    expect(date('{date_short_pretty} {time}')).toBe(time('today 12:00 PM'));
    expect(date('{date_long_pretty}', 'fb', { now: Date.UTC(2026, 0, 2, 23) })).toBe(time('yesterday'));
    expect(date('{date_pretty}', 'fb', { now: Date.UTC(2025, 11, 31, 1) })).toBe(time('tomorrow'));
    expect(date('{date_short_pretty}', 'fb', { now: Date.UTC(2026, 0, 10) })).toBe(time('Jan 1, 2026'));
    expect(date('{date_long_pretty}', 'fb', { now: Date.UTC(2026, 0, 10) })).toBe(time('Thursday, January 1st, 2026'));
  });

  it('follows the time zone across midnight', () => {
    expect(date('{date_num} {time}', 'fb', { timeZone: 'Asia/Tokyo' })).toBe(time('2026-01-01 9:00 PM'));
    expect(date('{date_long} {time_secs}', 'fb', { timeZone: 'America/Los_Angeles' })).toBe(
      time('Thursday, January 1st, 2026 4:00:00 AM'),
    );
    expect(md(`<!date^${NOON + 13 * 3600}^{date} {time}|fb>`, { timeZone: 'UTC' })).toContain(
      'January 2nd, 2026 1:00 AM',
    );
  });

  it('uses ordinal suffixes', () => {
    const day = (d: number) => md(`<!date^${Date.UTC(2026, 0, d, 12) / 1000}^{date}|fb>`);
    expect(day(2)).toContain('January 2nd');
    expect(day(3)).toContain('January 3rd');
    expect(day(11)).toContain('January 11th');
    expect(day(12)).toContain('January 12th');
    expect(day(13)).toContain('January 13th');
    expect(day(21)).toContain('January 21st');
    expect(day(22)).toContain('January 22nd');
    expect(day(23)).toContain('January 23rd');
  });

  it('renders midnight as 12 AM', () => {
    expect(md(`<!date^${Date.UTC(2026, 0, 1) / 1000}^{time}|fb>`)).toContain('>12:00 AM<');
  });

  it('keeps literal text around the tokens', () => {
    expect(date('due {date_short} at {time} &amp; on')).toBe(time('due Jan 1, 2026 at 12:00 PM &amp; on'));
  });

  it('uses the fallback for unknown tokens or timestamps', () => {
    expect(date('{date_short} {bogus}', '2026-01-01 12:00 UTC')).toBe('2026-01-01 12:00 UTC');
    expect(md('<!date^soon^{date}|whenever>')).toBe('whenever');
    expect(date('{date}', 'fb', { timeZone: 'Not/AZone' })).toBe('fb');
  });

  it('escapes the fallback', () => {
    expect(date('{nope}', '&lt;b&gt;&amp;&lt;/b&gt;')).toBe('&lt;b&gt;&amp;&lt;/b&gt;');
    expect(date('{date}', '"quoted"')).toBe(time('January 1st, 2026', '&quot;quoted&quot;'));
  });

  it('links the date when a safe link is given', () => {
    expect(md(`<!date^${NOON}^{time}^https://x.test|fb>`)).toBe(link('https://x.test', time('12:00 PM')));
    expect(md(`<!date^${NOON}^{time}^javascript:alert(1)|fb>`)).toBe(time('12:00 PM'));
  });
});

describe('renderMrkdwn: escaping and injection', () => {
  it('shows Slack entities as characters, never as live HTML', () => {
    expect(md('&lt;script&gt;alert(1)&lt;/script&gt;')).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(md('fish &amp; chips')).toBe('fish &amp; chips');
    expect(md('&amp;lt;')).toBe('&amp;lt;');
  });

  it('shows raw tags as text', () => {
    expect(md('<script>alert(1)</script>')).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(md('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)&gt;');
    expect(md('<b>not bold</b>')).toBe('&lt;b&gt;not bold&lt;/b&gt;');
    expect(md('a < b > c')).toBe('a &lt; b &gt; c');
  });

  it('escapes quotes and apostrophes', () => {
    expect(md(`"it's"`)).toBe('&quot;it&#39;s&quot;');
  });

  it('ignores forged placeholders', () => {
    expect(md('\uE0000\uE001<@U0ALICE>')).toBe(`0${mention('@alice')}`);
  });

  it.each([
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '*<svg onload=alert(1)>*',
    '`<iframe src=javascript:alert(1)>`',
    '```<style>body{}</style>```',
    '> <a href="javascript:alert(1)">x</a>',
    '<https://x.test|<img src=x onerror=alert(1)>>',
    '<@U0ALICE|<script>>',
    '<!date^1^{nope}|<script>alert(1)</script>>',
    '&lt;img src=x onerror=alert(1)&gt;',
    '<javascript:alert(1)|<b>x</b>>',
  ])('contains no markup of its own: %s', (text) => {
    const html = md(text);
    expectOnlyOwnTags(html);
    expect(html).not.toContain('href="javascript');
  });

  it('keeps every generated soup of markers, entities and brackets safe', () => {
    const pieces = [
      '<',
      '>',
      '&lt;',
      '&gt;',
      '&amp;',
      '*',
      '_',
      '~',
      '`',
      '```',
      '\n',
      '> ',
      '|',
      '"',
      "'",
      'a',
      ' ',
      '<@U0ALICE>',
      '<!date^1^{time}|x>',
      '<https://x.test|y>',
      'javascript:',
      '<!here>',
      'onerror=',
      '<img ',
      '\uE000',
    ];
    let seed = 42;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed;
    };
    for (let n = 0; n < 500; n += 1) {
      const text = Array.from({ length: 30 }, () => pieces[next() % pieces.length]).join('');
      expectOnlyOwnTags(md(text));
    }
  });

  it('accepts nothing and non-strings', () => {
    expect(renderMrkdwn(undefined)).toBe('');
    expect(renderMrkdwn(42)).toBe('42');
  });

  it('passes emoji characters and shortcodes through', () => {
    expect(md('✅ done :tada:')).toBe('✅ done :tada:');
  });

  it('exposes its escaping helpers', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(decodeSlackEntities('&amp;lt; &lt; &gt; &amp; &quot;')).toBe('&lt; < > & &quot;');
  });
});

describe('blockkit: blocks', () => {
  const rctx: RenderContext = ctx;
  const block = (b: Json) => renderBlock(b, rctx);

  it('renders a header as plain text', () => {
    expect(block({ type: 'header', text: { type: 'plain_text', text: '🛑 Approval <needed>' } })).toBe(
      '<div class="bk-header">🛑 Approval &lt;needed&gt;</div>',
    );
  });

  it('renders section text, fields and an accessory', () => {
    const html = block({
      type: 'section',
      text: { type: 'mrkdwn', text: '*Deploy?* <@U0ALICE>' },
      fields: [
        { type: 'mrkdwn', text: '*Env*\nprod' },
        { type: 'plain_text', text: '*not bold*' },
      ],
      accessory: { type: 'button', action_id: 'go', text: { type: 'plain_text', text: 'Go' }, value: 'v1' },
    });
    expect(html).toContain(`<div class="bk-text"><b>Deploy?</b> ${mention('@alice')}</div>`);
    expect(html).toContain('<div class="bk-field"><b>Env</b><br>prod</div>');
    expect(html).toContain('<div class="bk-field">*not bold*</div>');
    expect(html).toContain(
      '<div class="bk-accessory"><button type="button" class="bk-button" data-action-id="go" data-value="v1">Go</button></div>',
    );
  });

  it('renders a section with a select accessory', () => {
    const html = block({
      type: 'section',
      text: { type: 'plain_text', text: 'Pick' },
      accessory: {
        type: 'static_select',
        action_id: 'pick',
        options: [{ text: { type: 'plain_text', text: 'A' }, value: 'a' }],
      },
    });
    expect(html).toContain('<select class="bk-select" data-action-id="pick">');
  });

  it('renders context elements inline, including images', () => {
    const html = block({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: '`tok_1`' },
        { type: 'plain_text', text: 'a & b' },
        { type: 'image', image_url: 'https://x.test/i.png', alt_text: 'icon "x"' },
        { type: 'image', image_url: 'javascript:alert(1)', alt_text: 'bad' },
      ],
    });
    expect(html).toBe(
      '<div class="bk-context"><span class="bk-context-text"><code>tok_1</code></span>' +
        '<span class="bk-context-text">a &amp; b</span>' +
        '<img class="bk-img" src="https://x.test/i.png" alt="icon &quot;x&quot;" loading="lazy">' +
        '<span class="bk-alt">bad</span></div>',
    );
  });

  it('renders a divider and an image block', () => {
    expect(block({ type: 'divider' })).toBe('<hr class="bk-divider">');
    expect(
      block({
        type: 'image',
        image_url: 'https://x.test/p.png',
        alt_text: 'chart',
        title: { type: 'plain_text', text: 'Chart' },
      }),
    ).toBe(
      '<figure class="bk-image"><figcaption class="bk-image-title">Chart</figcaption>' +
        '<img class="bk-img" src="https://x.test/p.png" alt="chart" loading="lazy"></figure>',
    );
  });

  it('renders unknown blocks and elements as unsupported', () => {
    expect(block({ type: 'video', title: { type: 'plain_text', text: 'x' } })).toBe(
      '<div class="bk-unsupported" data-block-type="video">[unsupported block]</div>',
    );
    expect(block({ type: '"><script>' })).toBe(
      '<div class="bk-unsupported" data-block-type="&quot;&gt;&lt;script&gt;">[unsupported block]</div>',
    );
    expect(block({ type: 'actions', elements: [{ type: 'overflow', action_id: 'o' }] })).toContain(
      '[unsupported element]',
    );
  });

  it('renders a list of blocks in order and tolerates junk', () => {
    expect(renderBlocks([{ type: 'divider' }, { type: 'divider' }], rctx)).toBe(
      '<hr class="bk-divider"><hr class="bk-divider">',
    );
    expect(renderBlocks(undefined, rctx)).toBe('');
    expect(renderBlocks([null], rctx)).toContain('[unsupported block]');
  });
});

describe('blockkit: buttons and selects', () => {
  const confirm = {
    title: { type: 'plain_text', text: 'Are you sure?' },
    text: { type: 'plain_text', text: 'Answer “Deploy”' },
    confirm: { type: 'plain_text', text: 'Yes, answer' },
    deny: { type: 'plain_text', text: 'Cancel' },
    style: 'danger',
  };

  it('styles primary and danger buttons', () => {
    const actions = renderBlock(
      {
        type: 'actions',
        elements: [
          { type: 'button', action_id: 'ok', text: { type: 'plain_text', text: 'Deploy' }, style: 'primary' },
          { type: 'button', action_id: 'no', text: { type: 'plain_text', text: 'Drop' }, style: 'danger' },
          { type: 'button', action_id: 'meh', text: { type: 'plain_text', text: 'Later' } },
        ],
      },
      ctx,
    );
    expect(actions).toBe(
      '<div class="bk-actions">' +
        '<button type="button" class="bk-button bk-primary" data-action-id="ok">Deploy</button>' +
        '<button type="button" class="bk-button bk-danger" data-action-id="no">Drop</button>' +
        '<button type="button" class="bk-button" data-action-id="meh">Later</button></div>',
    );
  });

  it('carries the confirm object as JSON in data-confirm', () => {
    const html = renderButton({
      type: 'button',
      action_id: 'rodizio.option.0',
      value: 'tok_1:0',
      text: { type: 'plain_text', text: 'Deploy' },
      style: 'danger',
      confirm,
    });
    const attr = /data-confirm="([^"]*)"/.exec(html)?.[1] ?? '';
    const decoded = attr
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>');
    expect(JSON.parse(decoded.replace(/&amp;/g, '&'))).toEqual(confirm);
    expect(html).toContain('data-value="tok_1:0"');
  });

  it('escapes button text, values and ignores unsafe urls', () => {
    const html = renderButton({
      type: 'button',
      action_id: 'a"b',
      value: '<v>',
      url: 'javascript:alert(1)',
      text: { type: 'plain_text', text: '<img src=x onerror=alert(1)>' },
    });
    expect(html).toBe(
      '<button type="button" class="bk-button" data-action-id="a&quot;b" data-value="&lt;v&gt;">&lt;img src=x onerror=alert(1)&gt;</button>',
    );
    expect(renderButton({ type: 'button', action_id: 'l', url: 'https://x.test', text: { text: 'Open' } })).toContain(
      'data-url="https://x.test"',
    );
  });

  it('renders a static_select with its placeholder, options, groups, initial option and confirm', () => {
    const html = renderBlock(
      {
        type: 'actions',
        elements: [
          {
            type: 'static_select',
            action_id: 'rodizio.option.select',
            placeholder: { type: 'plain_text', text: 'Choose one of 7 options' },
            options: [
              { text: { type: 'plain_text', text: 'One' }, value: 'tok:0' },
              { text: { type: 'plain_text', text: 'Two & <3>' }, value: 'tok:1' },
            ],
            confirm,
          },
        ],
      },
      ctx,
    );
    expect(html).toContain('<select class="bk-select" data-action-id="rodizio.option.select" data-confirm="{');
    expect(html).toContain('<option value="" disabled selected>Choose one of 7 options</option>');
    expect(html).toContain('<option value="tok:0">One</option><option value="tok:1">Two &amp; &lt;3&gt;</option>');

    const grouped = renderBlock(
      {
        type: 'section',
        text: { type: 'mrkdwn', text: 'x' },
        accessory: {
          type: 'static_select',
          action_id: 's',
          initial_option: { text: { type: 'plain_text', text: 'B' }, value: 'b' },
          option_groups: [
            {
              label: { type: 'plain_text', text: 'G' },
              options: [
                { text: { type: 'plain_text', text: 'A' }, value: 'a' },
                { text: { type: 'plain_text', text: 'B' }, value: 'b' },
              ],
            },
          ],
        },
      },
      ctx,
    );
    expect(grouped).toContain('<option value="" disabled>Select an option</option>');
    expect(grouped).toContain(
      '<optgroup label="G"><option value="a">A</option><option value="b" selected>B</option></optgroup>',
    );
  });
});

describe('blockkit: input blocks', () => {
  const input = (element: Json, extra: Json = {}) =>
    renderBlock(
      { type: 'input', block_id: 'field', label: { type: 'plain_text', text: 'Your answer' }, element, ...extra },
      ctx,
    );

  it('renders a single-line and a multiline plain_text_input', () => {
    expect(input({ type: 'plain_text_input', action_id: 'value', initial_value: 'hi "x"', max_length: 30 })).toBe(
      '<div class="bk-input" data-input-block="field" data-required>' +
        '<label class="bk-label" for="input-field">Your answer</label>' +
        '<input type="text" class="bk-control" id="input-field" data-block-id="field" data-action-id="value" ' +
        'data-input-type="plain_text_input" maxlength="30" value="hi &quot;x&quot;"></div>',
    );
    expect(
      input({
        type: 'plain_text_input',
        action_id: 'value',
        multiline: true,
        initial_value: '</textarea><script>',
        placeholder: { type: 'plain_text', text: 'Type…' },
      }),
    ).toContain(
      '<textarea class="bk-control" rows="4" id="input-field" data-block-id="field" data-action-id="value" ' +
        'data-input-type="plain_text_input" placeholder="Type…">&lt;/textarea&gt;&lt;script&gt;</textarea>',
    );
  });

  it('marks optional inputs and shows hints', () => {
    const html = input(
      { type: 'plain_text_input', action_id: 'v' },
      { optional: true, hint: { type: 'plain_text', text: 'Suggested: Deploy · Hold' } },
    );
    expect(html).toContain('<div class="bk-input" data-input-block="field">');
    expect(html).toContain('Your answer<span class="bk-optional"> (optional)</span>');
    expect(html).toContain('<div class="bk-hint">Suggested: Deploy · Hold</div>');
  });

  it('renders a number_input with its range and decimal step', () => {
    expect(
      input({ type: 'number_input', action_id: 'v', is_decimal_allowed: false, min_value: '1', max_value: '9' }),
    ).toContain(
      '<input type="number" class="bk-control" step="1" min="1" max="9" id="input-field" data-block-id="field" data-action-id="v" data-input-type="number_input">',
    );
    expect(input({ type: 'number_input', action_id: 'v', is_decimal_allowed: true })).toContain('step="any"');
  });

  it('renders a static_select input whose empty choice means none', () => {
    const html = input({
      type: 'static_select',
      action_id: 'v',
      placeholder: { type: 'plain_text', text: 'Choose…' },
      options: [
        { text: { type: 'plain_text', text: 'Red' }, value: 'red' },
        { text: { type: 'plain_text', text: 'Blue' }, value: 'blue' },
      ],
      initial_option: { text: { type: 'plain_text', text: 'Blue' }, value: 'blue' },
    });
    expect(html).toContain(
      '<select class="bk-control bk-select" id="input-field" data-block-id="field" data-action-id="v" data-input-type="static_select">' +
        '<option value="">Choose…</option><option value="red">Red</option><option value="blue" selected>Blue</option></select>',
    );
  });

  it('renders radio buttons as a labelled group', () => {
    const html = input({
      type: 'radio_buttons',
      action_id: 'v',
      options: [
        { text: { type: 'plain_text', text: 'Yes' }, value: 'true' },
        { text: { type: 'mrkdwn', text: '*No*' }, value: 'false', description: { type: 'plain_text', text: 'nope' } },
      ],
      initial_option: { text: { type: 'plain_text', text: 'No' }, value: 'false' },
    });
    expect(html).toContain('<div class="bk-label" id="input-field-label">Your answer</div>');
    expect(html).toContain(
      '<div class="bk-choices" role="radiogroup" id="input-field" data-block-id="field" data-action-id="v" data-input-type="radio_buttons" aria-labelledby="input-field-label">',
    );
    expect(html).toContain(
      '<label class="bk-choice"><input type="radio" name="input-field" value="true"><span class="bk-choice-text">Yes</span></label>',
    );
    expect(html).toContain(
      '<input type="radio" name="input-field" value="false" checked><span class="bk-choice-text"><b>No</b><span class="bk-choice-desc">nope</span></span>',
    );
  });

  it('renders checkboxes with their initial options', () => {
    const html = input({
      type: 'checkboxes',
      action_id: 'v',
      options: [
        { text: { type: 'plain_text', text: 'A' }, value: 'a' },
        { text: { type: 'plain_text', text: 'B' }, value: 'b' },
      ],
      initial_options: [{ text: { type: 'plain_text', text: 'B' }, value: 'b' }],
    });
    expect(html).toContain('role="group"');
    expect(html).toContain('data-input-type="checkboxes"');
    expect(html).toContain('<input type="checkbox" name="input-field" value="a">');
    expect(html).toContain('<input type="checkbox" name="input-field" value="b" checked>');
  });

  it('shows the error returned for its block', () => {
    const html = renderBlock(
      {
        type: 'input',
        block_id: 'amount',
        label: { type: 'plain_text', text: 'Amount' },
        element: { type: 'number_input', action_id: 'v', is_decimal_allowed: false },
      },
      { ...ctx, errors: { amount: 'Must be <= 10', other: 'x' } },
    );
    expect(html).toContain('<div class="bk-error" data-testid="input-error">Must be &lt;= 10</div></div>');
  });

  it('renders unknown input elements as unsupported, without a data-block-id', () => {
    const html = input({ type: 'rich_text_input', action_id: 'v' });
    expect(html).toContain('[unsupported element]');
    expect(html).not.toContain('data-block-id');
  });
});

describe('blockkit: messages and modals', () => {
  it('falls back to the text when there are no blocks', () => {
    expect(renderMessageBody({ text: '*hi* <@U0BOB>' }, ctx)).toBe(
      `<div class="msg-text"><b>hi</b> ${mention('@bob')}</div>`,
    );
    expect(renderMessageBody({ text: 'x', blocks: [] }, ctx)).toBe('<div class="msg-text">x</div>');
  });

  it('prefers the text of a typed message over its rich_text block', () => {
    const blocks = [{ type: 'rich_text', elements: [] }];
    expect(renderMessageBody({ text: 'typed', blocks }, ctx)).toBe('<div class="msg-text">typed</div>');
  });

  it('renders blocks when there are some', () => {
    expect(renderMessageBody({ text: 'fallback', blocks: [{ type: 'divider' }] }, ctx)).toBe(
      '<div class="blocks"><hr class="bk-divider"></div>',
    );
  });

  it('renders a modal with title, inputs, close and submit', () => {
    const html = renderModal(
      {
        type: 'modal',
        callback_id: 'rodizio.answer',
        title: { type: 'plain_text', text: 'Answer the agent' },
        submit: { type: 'plain_text', text: 'Send to agent' },
        close: { type: 'plain_text', text: 'Cancel' },
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: 'Deploy?' } },
          {
            type: 'input',
            block_id: 'answer',
            label: { type: 'plain_text', text: 'Your answer' },
            element: { type: 'plain_text_input', action_id: 'value', multiline: true },
          },
        ],
      },
      { ...ctx, viewId: 'V123', errors: { answer: 'Too short' } },
    );
    expect(html).toMatch(
      /^<form class="modal" data-testid="modal" [^>]*data-view-id="V123" data-callback-id="rodizio.answer">/,
    );
    expect(html).toContain('<h2 id="modal-title">Answer the agent</h2>');
    expect(html).toContain('<button type="button" class="bk-button" data-testid="modal-close">Cancel</button>');
    expect(html).toContain(
      '<button type="submit" class="bk-button bk-primary" data-testid="modal-submit">Send to agent</button>',
    );
    expect(html).toContain('data-block-id="answer"');
    expect(html).toContain('<div class="bk-error" data-testid="input-error">Too short</div>');
  });

  it('renders a notice modal without a submit button', () => {
    const html = renderModal(
      {
        type: 'modal',
        title: { type: 'plain_text', text: 'Done' },
        close: { type: 'plain_text', text: 'OK' },
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'All set.' } }],
      },
      { ...ctx, formError: 'oops <b>' },
    );
    expect(html).not.toContain('modal-submit');
    expect(html).toContain('data-testid="modal-close">OK</button>');
    expect(html).toContain('<div class="modal-error" role="alert">oops &lt;b&gt;</div>');
  });

  it('reads text objects', () => {
    expect(plainText({ type: 'plain_text', text: 'x' })).toBe('x');
    expect(plainText(undefined)).toBe('');
    expect(renderText({ type: 'plain_text', text: 'a\nb <c>' }, ctx)).toBe('a<br>b &lt;c&gt;');
    expect(renderText(null, ctx)).toBe('');
  });
});
