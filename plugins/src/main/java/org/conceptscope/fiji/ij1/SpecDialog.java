package org.conceptscope.fiji.ij1;

import ij.Prefs;
import ij.gui.GenericDialog;

import java.awt.Choice;
import java.awt.Component;
import java.awt.TextField;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Vector;

import org.conceptscope.fiji.param.CommandSpec;
import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.registry.Parameter;
import org.conceptscope.registry.Values;

/**
 * The ImageJ 1.x dialog of a command, built from its declarations: one field per key, labelled
 * with the key (so ImageJ's recorder writes the macro keys), grouped by section, only the chosen
 * method's fields shown (the others, and a section left empty, are hidden and the dialog shrinks to
 * what is left; every field is still read, so a recorded line holds every key as before), a Help
 * button to the command's page, and the last values typed remembered. Number fields show text that
 * reads back as the value ({@link #shown}); the values are checked together, every problem in one
 * message naming its key.
 */
final class SpecDialog {

	/** Where the Help button leads: the command's page of the documentation. */
	static final String DOCS = "https://github.com/conceptscope/conceptscope/blob/main/";

	private SpecDialog() {}

	static String prefKey(CommandSpec spec, Parameter p) {
		return "conceptscope." + spec.page().replace(".md", "") + "." + p.key();
	}

	/** The values the user chose, or null when the dialog was cancelled. */
	static Values ask(CommandSpec spec) {
		GenericDialog gd = new GenericDialog("ConceptScope " + spec.title());
		Map<Parameter, Component> fields = new LinkedHashMap<>();
		// what each field and each section heading put into the dialog (labels, fields, units), to hide them
		Map<Parameter, java.util.List<Component>> parts = new LinkedHashMap<>();
		Map<String, java.util.List<Component>> headings = new LinkedHashMap<>();
		String section = "";
		java.util.List<Parameter> list = spec.parameters().list();
		for (int i = 0; i < list.size(); i++) {
			Parameter p = list.get(i);
			if (!p.section().isEmpty() && !p.section().equals(section)) {
				int before = gd.getComponentCount();
				gd.addMessage(p.section() + ":");
				headings.put(p.section(), added(gd, before));
				section = p.section();
			}
			int before = gd.getComponentCount();
			boolean joins = sharesRow(list, i), joined = i + 1 < list.size() && sharesRow(list, i + 1);
			if (joins) gd.addToSameRow();
			String last = Prefs.get(prefKey(spec, p), p.defaultText());
			boolean nextIsNumber = joined && isNumber(list.get(i + 1));
			String units = p.methods().isEmpty() || nextIsNumber ? "" : CommandSpecs.usedBy(p);
			switch (p.type()) {
				case FOLDER -> {
					gd.addDirectoryField(p.key(), last, 40);
					fields.put(p, last(gd.getStringFields()));
				}
				case FILE -> {
					gd.addFileField(p.key(), last, 40);
					fields.put(p, last(gd.getStringFields()));
				}
				case TEXT -> {
					gd.addStringField(p.key(), last, 20);
					fields.put(p, last(gd.getStringFields()));
				}
				case CHOICE -> {
					gd.addChoice(p.key(), p.choices().toArray(new String[0]), p.choices().contains(last) ? last : p.defaultText());
					fields.put(p, last(gd.getChoices()));
				}
				case FLAG -> {
					gd.addCheckbox(p.key(), Boolean.parseBoolean(last));
					fields.put(p, last(gd.getCheckboxes()));
				}
				case INTEGER, LONG, NUMBER -> {
					String shown = shown(p, last);
					gd.addNumericField(p.key(), number(shown, p), 0, Math.max(p.type() == Parameter.Type.INTEGER ? 6 : 10, shown.length()), units);
					// GenericDialog would show the value with fixed decimals (1e-7 as 0.000000, which it also records, and a seed
					// above 2^53 rounded): the field shows the text that reads back as the value
					TextField field = (TextField) last(gd.getNumericFields());
					field.setText(shown);
					fields.put(p, field);
				}
			}
			parts.put(p, added(gd, before));
		}
		gd.addHelp(DOCS + spec.docsPath());
		if (spec.methodKey() != null) {
			Choice method = (Choice) fields.get(spec.get(spec.methodKey()));
			Runnable show = () -> {
				String chosen = method.getSelectedItem();
				java.util.Set<String> filled = new java.util.HashSet<>();
				for (Map.Entry<Parameter, java.util.List<Component>> f : parts.entrySet()) {
					boolean shown = f.getKey().methods().isEmpty() || f.getKey().usedBy(chosen);
					for (Component c : f.getValue()) c.setVisible(shown);
					if (shown) filled.add(f.getKey().section());
				}
				for (Map.Entry<String, java.util.List<Component>> h : headings.entrySet()) {
					for (Component c : h.getValue()) c.setVisible(filled.contains(h.getKey()));
				}
				if (gd.isShowing()) gd.pack();
			};
			method.addItemListener(e -> show.run());
			show.run();
		}
		gd.showDialog();
		if (gd.wasCanceled()) return null;
		Map<String, String> text = new LinkedHashMap<>();
		for (Parameter p : spec.parameters().list()) {
			switch (p.type()) {
				case FOLDER, FILE, TEXT -> text.put(p.key(), gd.getNextString().trim());
				case CHOICE -> text.put(p.key(), gd.getNextChoice());
				case FLAG -> {
					boolean on = gd.getNextBoolean();
					text.put(p.key(), Boolean.toString(on));
					// ImageJ records a ticked box as its key and an unticked one not at all, which reads back as the default:
					// a box ticked by default (bias) records its false
					if (!on && Boolean.TRUE.equals(p.defaultValue()) && ij.plugin.frame.Recorder.record && !ij.IJ.isMacro()) {
						ij.plugin.frame.Recorder.recordOption(p.key(), "false");
					}
				}
				case INTEGER, LONG, NUMBER -> {
					gd.getNextNumber(); // records the field; its double would round a long seed and reads "0,5" as NaN
					text.put(p.key(), ((TextField) fields.get(p)).getText().trim());
				}
			}
		}
		return accept(spec, text, (key, typed) -> Prefs.set(prefKey(spec, spec.get(key)), typed));
	}

	/**
	 * The values of the dialog's text, checked together by the command's declarations (a number
	 * field that holds no number is named by its key, a decimal comma with the hint to write a point).
	 * What was typed is remembered first, also when it is refused: the next dialog shows it to be
	 * corrected instead of the values before.
	 *
	 * @param remember stores one key's text (ImageJ's preferences)
	 * @throws IllegalArgumentException listing every problem
	 */
	static Values accept(CommandSpec spec, Map<String, String> text, java.util.function.BiConsumer<String, String> remember) {
		text.forEach(remember);
		return spec.values(text);
	}

	/**
	 * The text a number field shows for a remembered value: text that reads back as exactly that
	 * value (whole numbers and seeds as integers, every digit of a long; other numbers as Java
	 * writes them, which parses back to the same double: 1.0E-7, 0.00392156862745098); remembered
	 * text that is no number of the parameter's type (typed, then refused) as it was typed.
	 */
	static String shown(Parameter p, String remembered) {
		String t = remembered == null ? "" : remembered.trim();
		Object v;
		try {
			v = p.parse(t);
		} catch (IllegalArgumentException e) {
			return t.isEmpty() ? p.defaultText() : t;
		}
		return v instanceof Double d ? org.conceptscope.fiji.param.OptionText.number(d) : v.toString();
	}

	/**
	 * A field shares the row of the one before when both belong to the same methods (patch and
	 * stride, ...), pairs only: the dialog stays shorter than a screen.
	 */
	private static boolean sharesRow(java.util.List<Parameter> list, int i) {
		if (i == 0 || sharesRow(list, i - 1)) return false;
		Parameter a = list.get(i - 1), b = list.get(i);
		return !b.methods().isEmpty() && a.methods().equals(b.methods()) && a.section().equals(b.section());
	}

	private static boolean isNumber(Parameter p) {
		return p.type() == Parameter.Type.INTEGER || p.type() == Parameter.Type.LONG || p.type() == Parameter.Type.NUMBER;
	}

	/** The components the dialog gained since it held {@code before}. */
	private static java.util.List<Component> added(GenericDialog gd, int before) {
		java.util.List<Component> out = new java.util.ArrayList<>();
		for (int i = before; i < gd.getComponentCount(); i++) out.add(gd.getComponent(i));
		return out;
	}

	private static Component last(Vector<?> v) {
		return v == null || v.isEmpty() ? null : (Component) v.get(v.size() - 1);
	}

	private static double number(String text, Parameter p) {
		try {
			return Double.parseDouble(text);
		} catch (NumberFormatException e) {
			return ((Number) p.defaultValue()).doubleValue();
		}
	}
}
