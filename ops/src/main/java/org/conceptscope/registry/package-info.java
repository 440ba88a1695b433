/**
 * The registry of methods (attribution methods, metrics, concept estimators, interpretable heads)
 * and the one declaration of each parameter. {@link org.conceptscope.registry.Registry} maps a
 * family and a key (as macros and the batch runner spell it) to a {@link org.conceptscope.registry.MethodEntry}:
 * label, class, the keys of its parameters, the paper it follows, and a factory from
 * {@link org.conceptscope.registry.Values}. {@link org.conceptscope.registry.Parameter} declares a
 * parameter once (key, label, type, default, range or choices, help, section, the methods that
 * use it); front ends (SciJava inputs, the ImageJ 1.x dialog, macro parsing, the batch runner,
 * the docs' tables) are derived from these declarations. No ImageJ, no AWT.
 */
package org.conceptscope.registry;
