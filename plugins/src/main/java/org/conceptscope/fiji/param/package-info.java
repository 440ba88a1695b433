/**
 * Each command's parameters declared once ({@link org.conceptscope.fiji.param.CommandSpecs}, over
 * the method registry's declarations in {@code org.conceptscope.registry}); from them come macro
 * option parsing ({@link org.conceptscope.fiji.param.OptionText}), validation that lists every
 * problem at once ({@link org.conceptscope.fiji.param.CommandSpec#values}) and the docs' parameter
 * tables ({@link org.conceptscope.fiji.param.ParameterTable}). No windows, no ImageJ state.
 */
package org.conceptscope.fiji.param;
