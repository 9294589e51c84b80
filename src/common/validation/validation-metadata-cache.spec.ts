import { IsInt, IsString, MaxLength, Min, registerDecorator, validateSync } from 'class-validator';
import { cacheValidationMetadata } from './validation-metadata-cache';

const errors = (o: object) => validateSync(o).map((e) => `${e.property}:${Object.keys(e.constraints ?? {}).join(',')}`);

describe('cacheValidationMetadata', () => {
  beforeAll(() => cacheValidationMetadata());

  class Base { @IsString() name: string }
  class Child extends Base { @IsInt() @Min(1) count: number }

  it('answers as class-validator does, inherited rules included, call after call', () => {
    const bad = Object.assign(new Child(), { name: 7, count: 0 });
    const first = errors(bad);
    expect(first).toEqual(['count:min', 'name:isString']);
    expect(errors(bad)).toEqual(first);
    expect(errors(Object.assign(new Child(), { name: 'a', count: 2 }))).toEqual([]);
  });

  it('sees a rule registered after a class was first validated', () => {
    class Late { @IsString() title: string }
    expect(errors(Object.assign(new Late(), { title: 'x'.repeat(20) }))).toEqual([]);
    registerDecorator({
      target: Late, propertyName: 'title', constraints: [], options: {},
      validator: { validate: (v: unknown) => typeof v === 'string' && v.length <= 10 },
      name: 'shortTitle',
    });
    expect(errors(Object.assign(new Late(), { title: 'x'.repeat(20) }))).toEqual(['title:shortTitle']);
    // and a class declared later (its decorators register) is validated by its own rules
    class Later { @MaxLength(2) code: string }
    expect(errors(Object.assign(new Later(), { code: 'abc' }))).toEqual(['code:maxLength']);
  });

  it('leaves grouped validation alone', () => {
    class Grouped { @IsString({ groups: ['a'] }) v: string }
    expect(validateSync(Object.assign(new Grouped(), { v: 1 }), { groups: ['a'] })).toHaveLength(1);
    expect(validateSync(Object.assign(new Grouped(), { v: 1 }), { groups: ['b'], forbidUnknownValues: false })).toHaveLength(0);
  });

  it('installs once', () => {
    cacheValidationMetadata();
    expect(errors(Object.assign(new Child(), { name: 'a', count: 0 }))).toEqual(['count:min']);
  });
});
