"""Template and expression payloads: the classic Jinja sandbox escapes, and resource abuse.

Texts are templates (`say:`); conditions are expressions (`if:`). The names they may read
are the flow's inputs `x` (a text), `n` (a number), `items` (a list) and `customer` (a map).
"""

from __future__ import annotations

from typing import NamedTuple


class Payload(NamedTuple):
    name: str
    source: str
    kind: str  # "text" or "condition"


def _texts(*pairs: tuple[str, str]) -> list[Payload]:
    return [Payload(name, source, "text") for name, source in pairs]


def _conditions(*pairs: tuple[str, str]) -> list[Payload]:
    return [Payload(name, source, "condition") for name, source in pairs]


# What an escaped sandbox would print; none of it may ever reach an agent's screen.
LEAKS = (
    "<class",
    "<function",
    "<built-in",
    "<module",
    "<bound method",
    "__",
    "root:",
    "uid=",
    "subclasses",
    "_io.",
    "TemplateReference",
    "Popen",
    "environ",
    "<generator",
    "<frame",
    "code object",
)

ESCAPES: list[Payload] = [
    *_texts(
        # --- object graph walks to `object.__subclasses__()` -----------------------------------
        ("str_class_mro_subclasses", "{{ ''.__class__.__mro__[1].__subclasses__() }}"),
        ("str_class_base_subclasses", "{{ ''.__class__.__base__.__subclasses__() }}"),
        ("tuple_bases_subclasses", "{{ ().__class__.__bases__[0].__subclasses__() }}"),
        ("list_base_subclasses", "{{ [].__class__.__base__.__subclasses__() }}"),
        ("dict_base_subclasses", "{{ {}.__class__.__base__.__subclasses__() }}"),
        ("subclasses_file_read", "{{ ''.__class__.__mro__[-1].__subclasses__()[40]('/etc/passwd').read() }}"),
        (
            "subclasses_popen",
            "{{ [].__class__.__mro__[1].__subclasses__()[-1]('id', shell=True, stdout=-1).communicate() }}",
        ),
        ("type_mro_method", "{{ dict.mro()[-1].__subclasses__() }}"),
        ("input_class", "{{ x.__class__ }}"),
        ("number_class", "{{ n.__class__.__mro__ }}"),
        ("undefined_class", "{{ nothing.__class__ }}"),
        # --- function globals -------------------------------------------------------------------
        ("input_init_globals", "{{ x.__init__.__globals__ }}"),
        ("range_globals_import", "{{ range.__globals__['__builtins__']['__import__']('os').popen('id').read() }}"),
        ("dict_init_globals", "{{ dict.__init__.__globals__ }}"),
        ("cycler_init_globals", "{{ cycler.__init__.__globals__.os.popen('id').read() }}"),
        ("joiner_init_globals", "{{ joiner.__init__.__globals__.os.popen('id').read() }}"),
        ("namespace_init_globals", "{{ namespace.__init__.__globals__.os.popen('id').read() }}"),
        ("lipsum_globals_os", "{{ lipsum.__globals__['os'].popen('id').read() }}"),
        ("lipsum_builtins_import", "{{ lipsum.__globals__.__builtins__.__import__('os').system('id') }}"),
        ("py2_func_globals", "{{ range.func_globals }}"),
        # --- the template's own objects ----------------------------------------------------------
        ("self_template_reference_context", "{{ self._TemplateReference__context }}"),
        ("self_init_globals_builtins", "{{ self.__init__.__globals__.__builtins__ }}"),
        ("self_dict", "{{ self.__dict__ }}"),
        ("loop_class_globals", "{% for a in items %}{{ loop.__class__.__init__.__globals__ }}{% endfor %}"),
        ("loop_cycle_globals", "{% for a in items %}{{ loop.cycle.__globals__ }}{% endfor %}"),
        ("generator_frame", "{{ (items|map('string')).gi_frame.f_globals }}"),
        ("generator_code", "{{ (items|select).gi_code.co_consts }}"),
        ("environment_global", "{{ environment.globals }}"),
        ("context_name", "{{ context.parent }}"),
        ("phrases_private_context", "{{ phrases._context }}"),
        # --- web framework style globals ---------------------------------------------------------
        (
            "request_application",
            "{{ request.application.__globals__.__builtins__.__import__('os').popen('id').read() }}",
        ),
        ("config_items", "{{ config.items() }}"),
        ("config_class_globals", "{{ config.__class__.__init__.__globals__['os'].popen('id').read() }}"),
        ("url_for_globals", "{{ url_for.__globals__.os.popen('id').read() }}"),
        ("flashed_messages_open", "{{ get_flashed_messages.__globals__.__builtins__.open('/etc/passwd').read() }}"),
        # --- str.format and its relatives ---------------------------------------------------------
        ("format_attribute", "{{ '{0.__class__}'.format(x) }}"),
        ("format_mro_walk", "{{ '{0.__class__.__mro__[1].__subclasses__}'.format(x) }}"),
        ("format_globals", "{{ '{0.__init__.__globals__}'.format(range) }}"),
        ("format_map_attribute", "{{ '{a.__class__.__base__}'.format_map({'a': x}) }}"),
        ("format_map_dict_constructor", "{{ '{a.__class__}'.format_map(dict(a=x)) }}"),
        ("format_markup", "{{ ('{0.__class__}'|safe).format(x) }}"),
        ("printf_mapping_attribute", "{{ '%(a)s'|format(a=x.__class__) }}"),
        ("cve_2024_56326_stored_format", "{% set f = '{0.__class__.__init__.__globals__}'.format %}{{ f(x) }}"),
        (
            "cve_2024_56326_format_as_macro_argument",
            "{% macro m(f) %}{{ f(x) }}{% endmacro %}{{ m('{0.__class__}'.format) }}",
        ),
        ("cve_2025_27516_attr_format", "{{ ('{0.__class__}'|attr('format'))(x) }}"),
        ("cve_2025_27516_attr_format_map", "{{ ('{a.__globals__}'|attr('format_map'))({'a': range}) }}"),
        ("map_attribute_format", "{% for f in ['{0.__class__}']|map(attribute='format') %}{{ f(x) }}{% endfor %}"),
        ("map_attr_filter_format", "{% for f in ['{0.__class__}']|map('attr', 'format') %}{{ f(x) }}{% endfor %}"),
        # --- |attr and subscripts ------------------------------------------------------------------
        ("attr_class", "{{ x|attr('__class__') }}"),
        ("attr_chain", "{{ x|attr('__class__')|attr('__mro__')|last|attr('__subclasses__')() }}"),
        ("attr_hex_escaped_name", "{{ x|attr('\\x5f\\x5fclass\\x5f\\x5f') }}"),
        ("attr_joined_name", "{{ x|attr(['_', '_', 'class', '_', '_']|join) }}"),
        ("attr_adjacent_literals", "{{ x|attr('__cl' 'ass__') }}"),
        ("subscript_dunder", "{{ x['__class__'] }}"),
        ("subscript_built_name", "{{ x[('__cla' ~ 'ss__')] }}"),
        ("fullwidth_dunder", "{{ x.__ｃｌａｓｓ__ }}"),
        ("sort_attribute_dunder", "{{ items|sort(attribute='__class__') }}"),
        ("groupby_dunder", "{{ items|groupby('__class__') }}"),
        ("selectattr_dunder", "{{ [x]|selectattr('__class__')|list }}"),
        ("map_attribute_dunder", "{{ [x]|map(attribute='__class__')|list }}"),
        ("sum_attribute_dunder", "{{ [x]|sum(attribute='__class__') }}"),
        ("unique_attribute_dunder", "{{ [x]|unique(attribute='__class__')|list }}"),
        # --- Python builtins and template loading ----------------------------------------------------
        ("builtin_import", "{{ __import__('os').system('id') }}"),
        ("builtin_eval", "{{ eval('1+1') }}"),
        ("builtin_open", "{{ open('/etc/passwd').read() }}"),
        ("builtin_getattr", "{{ getattr(x, '__class__') }}"),
        ("builtin_globals", "{{ globals() }}"),
        ("include_file", "{% include '/etc/passwd' %}"),
        ("import_module", "{% import 'os' as os %}{{ os.system('id') }}"),
        ("from_import", "{% from 'os' import system %}{{ system('id') }}"),
        ("extends_file", "{% extends '/etc/passwd' %}"),
        ("debug_tag", "{% debug %}"),
        ("do_tag", "{% do items.append(1) %}"),
        # --- changing the call's data in place ----------------------------------------------------------
        ("mutate_pack_info", "{{ pack.update(name='pwned') }}"),
        ("mutate_input_list", "{{ items.append(4) }}{{ items.pop() }}"),
        ("mutate_input_map", "{{ customer.clear() }}"),
        ("mutate_environment", "{{ env.update(x=1) }}"),
        ("set_attribute", "{% set x.__class__ = 1 %}"),
    ),
    *_conditions(
        ("condition_class", "x.__class__.__mro__"),
        ("condition_format", "'{0.__class__}'.format(x) == ''"),
        ("condition_attr", "(x|attr('__class__')) is defined"),
        ("condition_globals", "range.__globals__ is defined"),
        ("condition_template_injection", "true }}{{ ''.__class__ }}{{ true"),
        ("condition_statement_injection", "true %}{% for a in range(10) %}{{ a }}{% endfor %}{% if true"),
        ("condition_assignment", "x = 1"),
        ("condition_mutation", "items.append(1) or true"),
    ),
]

RESOURCES: list[Payload] = [
    *_texts(
        # --- repetition and arithmetic -------------------------------------------------------------
        ("repeat_text_10_9", "{{ 'A' * 10**9 }}"),
        ("repeat_list_10_9", "{{ [1] * 10**9 }}"),
        ("repeat_nested_lists", "{{ [['x' * 10000] * 10000] * 10000 }}"),
        ("repeat_bytes", "{{ x.encode() * 10**9 }}"),
        ("power_tower", "{{ 10**10**10 }}"),
        ("power_huge_exponent", "{{ 10**(10**10) }}"),
        ("power_two_to_two_30", "{{ 2**(2**30) }}"),
        ("power_grows_past_the_limit", "{{ (10**64)**64**64 }}"),
        ("float_overflow", "{{ 1e308 ** 2 }}"),
        ("huge_int_to_text", "{{ (10**64)**64 ~ '' }}"),
        # --- widths ------------------------------------------------------------------------------
        ("center_method", "{{ x.center(10**9) }}"),
        ("center_filter", "{{ x|center(10**9) }}"),
        ("ljust_method", "{{ x.ljust(10**9) }}"),
        ("rjust_fill", "{{ x.rjust(10**9, '*') }}"),
        ("zfill_method", "{{ x.zfill(10**9) }}"),
        ("expandtabs_width", "{{ x.expandtabs(10**9) }}"),
        ("expandtabs_many_tabs", "{{ ('\\t' * 5000).expandtabs(10000) }}"),
        ("to_bytes_length", "{{ n.to_bytes(10**9, 'big') }}"),
        ("indent_width", "{{ x|indent(10**9) }}"),
        ("indent_many_lines", "{{ ((x ~ '\\n') * 2000)|indent(10000) }}"),
        ("indent_text_width", "{{ ((x ~ '\\n') * 2000)|indent('y' * 10000) }}"),
        ("percent_width", "{{ '%999999999s' % x }}"),
        ("percent_bytes", "{{ x.encode() % () }}"),
        ("format_filter_width", "{{ '%999999999s'|format(x) }}"),
        ("format_filter_precision", "{{ '%.999999999f'|format(1.5) }}"),
        ("format_filter_star_width", "{{ '%*s'|format(999999999, x) }}"),
        ("format_filter_mapping_width", "{{ '%(a)999999999s'|format(a=x) }}"),
        ("str_format_width", "{{ '{:999999999}'.format(x) }}"),
        ("str_format_nested_width", "{{ '{:>{w}}'.format(x, w=999999999) }}"),
        ("str_format_auto_nested_width", "{{ '{:{}}'.format(x, 999999999) }}"),
        ("str_format_precision", "{{ '{0:.999999999f}'.format(1.5) }}"),
        ("str_format_map_width", "{{ '{a:999999999}'.format_map({'a': x}) }}"),
        ("str_format_width_through_attr", "{{ ('{:999999999}'|attr('format'))(x) }}"),
        ("str_format_many_fields", "{{ ('{0:9999}' * 5000).format(x) }}"),
        ("tojson_indent", "{{ items|tojson(indent=10**8) }}"),
        ("batch_fill", "{{ [1]|batch(10**9, 'x')|list }}"),
        ("slice_fill", "{{ range(10)|slice(10**9, 'x')|list }}"),
        ("wordwrap_width", "{{ x|wordwrap(10**9) }}"),
        ("wordwrap_wrapstring", "{{ ('ab' * 5000)|wordwrap(1, true, 'y' * 10000) }}"),
        ("urlize_target", "{{ ('x.io ' * 2000)|urlize(target='y' * 10000) }}"),
        ("strftime_format", "{{ now.strftime('%c' * 5000) }}"),
        ("date_format_filter", "{{ now|format_date('%Y' * 100) }}"),
        ("add_days_overflow", "{{ now|add_days(10**9) }}"),
        ("business_days_far", "{{ today|add_business_days(10**6) }}"),
        ("business_days_between_far", "{{ '0001-01-01'|business_days_between('9999-12-31') }}"),
        ("int_of_10000_digits", "{{ ('9' * 10000)|int }}"),
        # --- loops and recursion ------------------------------------------------------------------
        ("nested_range_loops", "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}"),
        (
            "triple_range_loops",
            "{% for i in range(10000) %}{% for j in range(10000) %}{% for k in range(10000) %}"
            "{% endfor %}{% endfor %}{% endfor %}",
        ),
        ("nested_string_loops", "{% for a in 'x' * 10000 %}{% for b in 'y' * 10000 %}{% endfor %}{% endfor %}"),
        ("loop_with_output", "{% for i in range(10000) %}{% for j in range(10000) %}{{ '' }}{% endfor %}{% endfor %}"),
        ("loop_writing_text", "{% for i in range(10000) %}" + "z" * 2000 + "{% endfor %}"),
        ("range_10_9", "{% for i in range(10**9) %}{% endfor %}"),
        ("range_10_9_list", "{{ range(10**9)|list }}"),
        ("range_huge_step_length", "{{ range(0, 10**18, 1)|length }}"),
        ("macro_recursion", "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"),
        (
            "macro_mutual_recursion",
            "{% macro a() %}{{ b() }}{% endmacro %}{% macro b() %}{{ a() }}{% endmacro %}{{ a() }}",
        ),
        ("macro_fan_out", "{% macro f(k) %}{% if k %}{{ f(k - 1) }}{{ f(k - 1) }}{% endif %}{% endmacro %}{{ f(15) }}"),
        ("macro_caller_recursion", "{% macro f() %}{% call f() %}{% endcall %}{% endmacro %}{{ f() }}"),
        ("recursive_loop", "{% for a in [[1]] recursive %}{{ loop([a]) }}{% endfor %}"),
        ("recursive_loop_fan_out", "{% for a in items recursive %}{{ loop(items) }}{% endfor %}"),
        # --- values that grow ----------------------------------------------------------------------
        ("join_separator", "{{ ('x' * 10000)|join('y' * 10000) }}"),
        ("join_of_join", "{{ (('x' * 10000)|join('y' * 10000))|join('z' * 10000) }}"),
        ("join_method", "{{ ('y' * 10000).join('x' * 10000) }}"),
        ("join_range", "{{ range(10**9)|join }}"),
        ("join_generator", "{{ range(10000)|map('string')|join('y' * 10000) }}"),
        ("replace_method", "{{ ('x' * 10000).replace('x', 'y' * 10000) }}"),
        ("replace_empty", "{{ ('x' * 10000)|replace('', 'y' * 100) }}"),
        ("translate_method", "{{ ('x' * 10000).translate({120: 'y' * 10000}) }}"),
        (
            "concat_doubling",
            "{% set a = 'x' * 10000 %}" + "{% set a = a ~ a %}" * 20 + "{{ a|length }}",
        ),
        ("plus_doubling", "{% set a = 'x' * 10000 %}" + "{% set a = a + a %}" * 20 + "{{ a|length }}"),
        (
            "list_literal_fan_out",
            "{% set a = ['x' * 10000] %}" + "{% set a = [a, a, a, a, a, a, a, a, a, a] %}" * 6 + "{{ a }}",
        ),
        ("fromkeys_nested", "{{ dict.fromkeys(range(10000), dict.fromkeys(range(10000), 'x' * 10000)) }}"),
        ("deep_list_nesting", "{% set a = [] %}" + "{% set a = [a] %}" * 1100 + "{{ a }}"),
        ("output_of_a_loop", "{% for i in range(10000) %}{{ 'x' * 10000 }}{% endfor %}"),
        ("mutable_doubling", "{% set l = ['x'] %}{% for i in range(40) %}{{ l.append(l[-1] ~ l[-1]) }}{% endfor %}"),
        (
            "block_set_accumulation",
            "{% set a %}{% for i in range(10000) %}{{ 'x' * 9000 }}{% endfor %}{% endset %}{{ a|length }}",
        ),
        ("filter_block_width", "{% filter center(10**9) %}x{% endfilter %}"),
    ),
    *_conditions(
        ("condition_repeat", "('A' * 10**9)|length > 0"),
        ("condition_power", "10**(10**10) > 0"),
        ("condition_range", "range(10**9)|length > 0"),
        ("condition_join", "(('x' * 10000)|join('y' * 10000))|length > 0"),
        ("condition_format_width", "'{:999999999}'.format(x)|length > 0"),
        ("condition_nested_repeat", "([['x' * 10000] * 10000] * 10000)|length > 0"),
    ),
]
