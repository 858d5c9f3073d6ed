import {
  claimSelectorProblem,
  matchesSelector,
  parseSelector,
} from './selector';
import { EQUALITY_SELECTOR_CASES } from './selectorCases';

describe('parseSelector / matchesSelector', () => {
  it.each(EQUALITY_SELECTOR_CASES)(
    '$selector on $labels → $matches',
    ({ selector, labels, matches }) => {
      expect(matchesSelector(labels, parseSelector(selector))).toBe(matches);
    },
  );

  it.each(['a in (b)', '!a', 'a', 'a=b=c', 'a=(b)'])(
    'refuses %p, naming the term',
    selector => {
      expect(() => parseSelector(selector)).toThrow(
        /unsupported label selector term/,
      );
    },
  );
});

describe('claimSelectorProblem', () => {
  it.each(['app=web', 'app=web,tier!=back', 'backstage.io/kubernetes-id=x'])(
    'accepts %p as a claim',
    s => {
      expect(claimSelectorProblem(s)).toBeUndefined();
    },
  );

  it.each(['app!=web', 'app=', '', 'a!=b,c!=d'])(
    'refuses %p: no key=value term',
    s => {
      expect(claimSelectorProblem(s)).toMatch(/has no key=value term/);
    },
  );

  it('passes the parser error through', () => {
    expect(claimSelectorProblem('a in (b)')).toMatch(
      /unsupported label selector term 'a in \(b\)'/,
    );
  });
});
