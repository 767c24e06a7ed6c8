import './base.css';
import './browser.css';
import './login.css';
import './providers.css';
import './file-manager.css';
import './activity.css';
import './share.css';
