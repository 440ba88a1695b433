package org.conceptscope.updatesite;

import java.awt.Rectangle;
import java.awt.Robot;
import java.awt.Toolkit;
import java.io.File;

import javax.imageio.ImageIO;

/** {@code Screenshot <file.png>}: the whole screen of $DISPLAY as a PNG (for a run that blocked). */
public final class Screenshot {

	private Screenshot() {}

	public static void main(String[] args) throws Exception {
		Rectangle screen = new Rectangle(Toolkit.getDefaultToolkit().getScreenSize());
		ImageIO.write(new Robot().createScreenCapture(screen), "png", new File(args[0]));
	}
}
