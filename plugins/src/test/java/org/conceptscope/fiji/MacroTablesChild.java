package org.conceptscope.fiji;

import ij.IJ;
import ij.ImageJ;
import ij.gui.GenericDialog;

import java.awt.Window;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * ImageJ 1.x with a display (an Xvfb server started by {@link MacroTablesTest}), ConceptScope installed from a plugins folder:
 * runs one macro file as ImageJ runs a macro, then exits. {@code MacroTablesChild <macro.ijm> [seconds, 200 unless given]}
 */
public final class MacroTablesChild {

	private MacroTablesChild() {}

	public static void main(String[] args) throws Exception {
		String code = Files.readString(Path.of(args[0]));
		new ImageJ(ImageJ.NO_SHOW);
		Thread t = new Thread(() -> IJ.runMacro(code), "Run$_tables-macro");
		t.start();
		t.join(1000L * (args.length > 1 ? Integer.parseInt(args[1]) : 200));
		// a macro error opens ImageJ's message dialog and waits for it: say what it holds
		for (Window w : Window.getWindows()) {
			if (w instanceof GenericDialog g && g.isShowing()) System.out.println("Dialog '" + g.getTitle() + "' open: " + text(g));
		}
		// TensorFlow's threads and the AWT event thread must not keep this JVM alive.
		System.exit(0);
	}

	private static String text(java.awt.Container c) {
		StringBuilder s = new StringBuilder();
		for (java.awt.Component child : c.getComponents()) {
			if (child instanceof ij.gui.MultiLineLabel l) {
				try {
					java.lang.reflect.Field lines = ij.gui.MultiLineLabel.class.getDeclaredField("lines");
					lines.setAccessible(true);
					s.append(String.join(" ", (String[]) lines.get(l))).append(' ');
				} catch (ReflectiveOperationException e) {
					s.append(e);
				}
			}
			if (child instanceof java.awt.Label l) s.append(l.getText()).append(' ');
			if (child instanceof java.awt.Container sub) s.append(text(sub));
		}
		return s.toString();
	}
}
