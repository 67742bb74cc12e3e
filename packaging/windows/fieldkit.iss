; Inno Setup script for the Fieldkit desktop app on Windows (Inno Setup 6.3 or newer).
;
; Packs the PyInstaller one-folder bundle dist\fieldkit (built on Windows from
; packaging\fieldkit.spec) into one installer: per-machine install into Program Files, a
; Start-menu entry, an optional desktop shortcut, and an uninstaller in Apps & features.
; Build from the repository root, after the bundle:
;
;   iscc /DAppVersion=0.1.0 packaging\windows\fieldkit.iss
;
; Output: dist\fieldkit-<version>-windows-x64-setup.exe. See docs/packaging.md. Not built or
; tested on the Linux CI machine: Inno Setup and the Windows bundle need Windows.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define Root "..\.."
#define Bundle Root + "\dist\fieldkit"

; Printing (docs/packaging.md, "Printing"). The app prints through Qt Print Support and draws
; each page with QtPdf; an installer without these files installs an app that cannot print a
; letter. Qt 6 builds the Windows print plugin into Qt6PrintSupport.dll, so there is no
; printsupport plugin folder on Windows. The same names are in packaging\fieldkit.spec
; (PRINTING_QT_LIBRARIES, PRINTING_QT_PLUGINS) and tests/test_packaging_printing.py checks
; that both files list them.
#define QtDir AddBackslash(SourcePath) + Bundle + "\_internal\PySide6"
#if !FileExists(QtDir + "\Qt6PrintSupport.dll")
  #error dist\fieldkit has no PySide6\Qt6PrintSupport.dll: the app could not print. See docs/packaging.md.
#endif
#if !FileExists(QtDir + "\Qt6Pdf.dll")
  #error dist\fieldkit has no PySide6\Qt6Pdf.dll: the app could not draw a letter for the printer.
#endif
#if !FileExists(QtDir + "\Qt6PdfWidgets.dll")
  #error dist\fieldkit has no PySide6\Qt6PdfWidgets.dll: the app could not preview a letter.
#endif

[Setup]
; The AppId identifies the product across versions, so upgrades replace the old version and
; the uninstaller finds it. Never change it.
AppId={{5B0E6F2C-3E0B-4B8F-9B7A-2F8C1D7A4E51}
AppName=Fieldkit
AppVersion={#AppVersion}
AppVerName=Fieldkit {#AppVersion}
AppPublisher=Fieldkit
VersionInfoVersion={#AppVersion}
; Per machine: every officer who signs in to the laptop gets the app; installing needs admin
; rights (IT), using it does not. Each user's vaults live in their own app-data folder.
PrivilegesRequired=admin
DefaultDirName={autopf}\Fieldkit
DefaultGroupName=Fieldkit
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#Root}\dist
OutputBaseFilename=fieldkit-{#AppVersion}-windows-x64-setup
SetupIconFile=fieldkit.ico
UninstallDisplayIcon={app}\fieldkitw.exe
UninstallDisplayName=Fieldkit
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Close a running Fieldkit before replacing its files (the vault is locked on close).
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade must not leave the old version's libraries beside the new ones.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
; fieldkitw.exe opens the app without a console window; fieldkit.exe (console) is for the
; headless commands, e.g. "C:\Program Files\Fieldkit\fieldkit.exe" vault check --help.
Name: "{autoprograms}\Fieldkit"; Filename: "{app}\fieldkitw.exe"; WorkingDir: "{app}"; Comment: "Record visits, people and warnings offline; print letters on the spot"
Name: "{autodesktop}\Fieldkit"; Filename: "{app}\fieldkitw.exe"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\fieldkitw.exe"; Description: "{cm:LaunchProgram,Fieldkit}"; Flags: nowait postinstall skipifsilent unchecked

[UninstallDelete]
; Anything the app wrote beside itself; users' vaults are in their app-data folders and stay.
Type: filesandordirs; Name: "{app}\_internal"
